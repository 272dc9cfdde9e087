package com.apindicators.webhooks.client.dashboard;

import com.apindicators.webhooks.client.WebhooksClient;
import io.grpc.StatusRuntimeException;
import io.javalin.Javalin;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The web dashboard: the Webhooks, webhook detail, delivery, Live and Event types pages, served on one address
 * and backed only by the public gRPC API through a {@link WebhooksClient}.
 */
public final class Dashboard implements AutoCloseable {
  private final Javalin app;
  private final LiveUpdates live;
  private final SessionGuard guard;
  private final String bind;
  private final int requestedPort;

  /** A dashboard for the client's API key, to serve on {@code bind:port} (port 0: any free one). */
  public Dashboard(WebhooksClient client, DashboardScope scope, String bind, int port) {
    this.bind = bind;
    this.requestedPort = port;
    this.guard = new SessionGuard(hosts(bind));
    live = new LiveUpdates(client, scope);
    app = Javalin.create(config -> {
      config.showJavalinBanner = false;
    });
    app.before(ctx -> {
      ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'");
      ctx.header("X-Content-Type-Options", "nosniff");
      ctx.header("Referrer-Policy", "no-referrer");
      // Pages and answers hold secrets shown once, payloads and response bodies: none may stay in a disk cache.
      ctx.header("Cache-Control", "no-store");
      guard.check(ctx);
    });
    app.get("/login", guard::signIn);
    new Pages(guard.csrfToken()).register(app);
    new WebhookRoutes(client, scope).register(app);
    new DeliveryRoutes(client, scope).register(app);
    new EventRoutes(client, scope).register(app);
    app.sse("/api/stream", live::handle);
    app.exception(StatusRuntimeException.class, ApiErrors::handle);
  }

  /** Starts serving; only on the chosen address. */
  public Dashboard start() {
    app.start(bind, requestedPort);
    return this;
  }

  /** The port it serves on (the one chosen when asked for 0). */
  public int port() {
    return app.port();
  }

  /** The one-time sign-in URL to open in a browser. */
  public String signInUrl() {
    String host = bind.contains(":") ? "[" + bind + "]" : bind;
    if (bind.equals("0.0.0.0") || bind.equals("::")) {
      host = "127.0.0.1";
    }
    return "http://" + host + ":" + port() + guard.signInPath();
  }

  @Override
  public void close() {
    live.close();
    app.stop();
  }

  /** The Host headers a browser sends for this address; any, when bound to every interface. */
  private static Set<String> hosts(String bind) {
    Set<String> hosts = new HashSet<>();
    try {
      InetAddress a = InetAddress.getByName(bind);
      if (a.isAnyLocalAddress()) {
        return Set.of();
      }
      if (a.isLoopbackAddress()) {
        hosts.add("localhost");
        hosts.add("127.0.0.1");
        hosts.add("[::1]");
      }
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot resolve --bind " + bind);
    }
    hosts.add(bind.contains(":") ? "[" + bind.toLowerCase(Locale.ROOT) + "]" : bind.toLowerCase(Locale.ROOT));
    return hosts;
  }
}
