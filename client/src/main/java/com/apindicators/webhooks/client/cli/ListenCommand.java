package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.client.Signatures;
import com.apindicators.webhooks.client.WebhooksClient;
import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.CreateWebhookResponse;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code listen}: a local receiver that verifies each webhook's signature, prints it, and answers or forwards it. */
@Command(name = "listen", description = "Receive webhooks locally: verify the signature (X-Webhook-Signature or the Standard"
    + " Webhooks webhook-signature, with any of the given secrets), print the event, answer 200 (401 if forged);"
    + " optionally forward verified ones to your app, or create a temporary webhook pointing here.",
    mixinStandardHelpOptions = true)
final class ListenCommand implements Callable<Integer> {
  /** How far a Standard Webhooks timestamp may be from now (replay protection), as the docs recommend. */
  static final Duration TOLERANCE = Duration.ofMinutes(5);
  /** How much of the app's answer a forwarded line shows. */
  static final int ANSWER_SHOWN_CHARS = 200;
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
  private static final String[] FORWARDED_HEADERS = {"X-Webhook-Signature", "X-Webhook-Id", "X-Webhook-Event",
      "X-Webhook-Timestamp", "webhook-id", "webhook-timestamp", "webhook-signature"};

  @Spec CommandSpec spec;
  @Option(names = "--port", defaultValue = "0", description = "port on 127.0.0.1 to listen on (default: any free one)") int port;
  @Option(names = "--secret", split = ",", description = "signing secret(s) (whsec_...); several keep a rotation working")
  List<String> secrets;
  @Option(names = {"--forward-to", "--forward"}, description = "POST verified webhooks on to this URL; answer with its status")
  URI forward;
  @Option(names = "--create", description = "create a temporary webhook pointing here (with --account, --events); deleted on exit")
  boolean create;
  @Option(names = "--account", description = "with --create: the account whose events to receive") String account;
  @Option(names = "--events", split = ",", defaultValue = "signal.buy,signal.sell,backtest.run,order.filled",
      description = "with --create: the events to subscribe to (default: all)") List<String> events;
  @Option(names = "--count", defaultValue = "0", description = "stop after this many webhooks (0 = no limit)") long count;
  @Option(names = "--seconds", defaultValue = "0", description = "stop after this many seconds (0 = until Ctrl-C)") long seconds;

  @Override
  public Integer call() throws Exception {
    WebhooksCli root = WebhooksCli.root(spec);
    List<String> keys = new ArrayList<>(secrets == null ? List.of() : secrets);
    if (create && (account == null || account.isBlank())) {
      throw new WebhooksCli.UsageException("--create needs --account");
    }
    if (!create && keys.isEmpty()) {
      throw new WebhooksCli.UsageException("pass the webhook's signing secret with --secret (or use --create --account A)");
    }
    HttpClient http = forward == null ? null : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    CountDownLatch done = new CountDownLatch(count > 0 ? (int) Math.min(count, Integer.MAX_VALUE) : 1);
    server.createContext("/", ex -> {
      try {
        handle(ex, root, http, keys);
      } catch (RuntimeException e) {
        root.err.println("error: could not handle a request: " + Failures.message(e));
        ex.sendResponseHeaders(500, -1);
        ex.close();
      }
      if (count > 0) {
        done.countDown();
      }
    });
    server.start();
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    TemporaryWebhook temporary = null;
    try {
      if (create) {
        temporary = TemporaryWebhook.create(root, account, url, events);
        keys.add(temporary.secret);
      }
      root.print(Json.fields("listening", url, "webhookId", temporary == null ? "" : temporary.id),
          "listening on " + url + (temporary == null ? "" : " for webhook " + temporary.id + " (deleted on exit)")
              + (forward == null ? "" : ", forwarding to " + forward) + " (Ctrl-C to stop)");
      if (seconds > 0) {
        done.await(seconds, TimeUnit.SECONDS);
      } else {
        done.await();
      }
    } finally {
      server.stop(0);
      if (temporary != null) {
        temporary.close();
      }
    }
    return 0;
  }

  private boolean verified(HttpExchange ex, byte[] body, List<String> keys) {
    var h = ex.getRequestHeaders();
    for (String key : keys) {
      if (Signatures.verify(body, h.getFirst("X-Webhook-Signature"), key)) {
        return true;
      }
      try {
        if (Signatures.verifyStandard(h.getFirst("webhook-id"), h.getFirst("webhook-timestamp"),
            h.getFirst("webhook-signature"), body, key, TOLERANCE, Instant.now())) {
          return true;
        }
      } catch (IllegalArgumentException notBase64) {
        // a secret that is not whsec_<base64> can only match X-Webhook-Signature
      }
    }
    return false;
  }

  private void handle(HttpExchange ex, WebhooksCli root, HttpClient http, List<String> keys) throws IOException {
    LocalTime arrived = LocalTime.now(); // the --> line's time, also when forwarding takes a while
    byte[] body = ex.getRequestBody().readAllBytes();
    String event = ex.getRequestHeaders().getFirst("X-Webhook-Event");
    String id = ex.getRequestHeaders().getFirst("X-Webhook-Id");
    boolean ok = verified(ex, body, keys);
    String text = new String(body, StandardCharsets.UTF_8);
    Map<String, Object> line = Json.fields("event", event, "webhookId", id, "verified", ok, "body", text);
    int status = ok ? 200 : 401;
    byte[] answer = (ok ? "ok" : "bad signature").getBytes(StandardCharsets.UTF_8);
    String forwarded = null;
    if (ok && http != null) {
      HttpRequest.Builder req = HttpRequest.newBuilder(forward).timeout(Duration.ofSeconds(9))
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", "application/json");
      for (String h : FORWARDED_HEADERS) {
        String v = ex.getRequestHeaders().getFirst(h);
        if (v != null) {
          req.header(h, v);
        }
      }
      String appAnswer;
      try {
        HttpResponse<byte[]> r = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        status = r.statusCode();
        answer = r.body();
        appAnswer = new String(answer, StandardCharsets.UTF_8);
      } catch (IOException e) {
        status = 502;
        appAnswer = "could not reach " + forward + ": " + Failures.message(e);
        answer = appAnswer.getBytes(StandardCharsets.UTF_8);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        status = 502;
        appAnswer = "interrupted";
      }
      line.put("forwardStatus", status);
      line.put("forwardAnswer", appAnswer);
      String shown = appAnswer.length() > ANSWER_SHOWN_CHARS ? appAnswer.substring(0, ANSWER_SHOWN_CHARS) + "..." : appAnswer;
      forwarded = LocalTime.now().format(TIME) + "  <-- [" + status + "] POST " + forward + "  " + shown;
    }
    synchronized (root) {
      root.print(line, arrived.format(TIME) + "  --> " + event + "  " + (ok ? "verified" : "REJECTED (bad signature)")
          + "  " + id + "  " + text + (forwarded == null ? "" : "\n" + forwarded));
    }
    ex.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(answer);
    }
  }

  /** A webhook created for this listen session, deleted when it ends (Ctrl-C included). */
  static final class TemporaryWebhook implements AutoCloseable {
    final String id;
    final String secret;
    private final WebhooksCli root;
    private final Thread onExit;

    private TemporaryWebhook(WebhooksCli root, String id, String secret) {
      this.root = root;
      this.id = id;
      this.secret = secret;
      this.onExit = new Thread(this::delete, "listen-delete-webhook");
      Runtime.getRuntime().addShutdownHook(onExit);
    }

    static TemporaryWebhook create(WebhooksCli root, String account, String url, List<String> events) throws Exception {
      try (WebhooksClient c = root.client()) {
        CreateWebhookResponse r = c.createWebhook(CreateWebhookRequest.newBuilder().setAccountId(account)
            .setName("webhooks listen (temporary)").setUrl(url).addAllEvents(events).build());
        return new TemporaryWebhook(root, r.getWebhook().getWebhookId(), r.getSigningSecret());
      }
    }

    private synchronized void delete() {
      try (WebhooksClient c = root.client()) {
        c.deleteWebhook(id);
      } catch (Exception e) {
        root.err.println("warning: could not delete temporary webhook " + id + ": " + Failures.message(e));
      }
    }

    @Override
    public void close() {
      try {
        Runtime.getRuntime().removeShutdownHook(onExit);
      } catch (IllegalStateException shuttingDown) {
        return; // the hook deletes it
      }
      delete();
    }
  }
}
