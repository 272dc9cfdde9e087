package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.client.Signatures;
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
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code listen}: a local receiver that verifies each webhook's signature, prints it, and answers. */
@Command(name = "listen", description = "Receive webhooks locally: verify the signature, print the event, answer 200 (401 if"
    + " the signature is wrong); optionally forward verified ones to your app.", mixinStandardHelpOptions = true)
final class ListenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Option(names = "--port", required = true) int port;
  @Option(names = "--secret", required = true, description = "the webhook's signing secret (whsec_...)") String secret;
  @Option(names = "--forward", description = "POST verified webhooks on to this URL and answer with its status") URI forward;
  @Option(names = "--seconds", defaultValue = "0", description = "stop after this many seconds (0 = until Ctrl-C)") long seconds;

  @Override
  public Integer call() throws Exception {
    WebhooksCli root = WebhooksCli.root(spec);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    server.createContext("/", ex -> handle(ex, root, http));
    server.start();
    root.out.println("listening on http://127.0.0.1:" + server.getAddress().getPort() + "/ (Ctrl-C to stop)");
    root.out.flush();
    CountDownLatch forever = new CountDownLatch(1);
    try {
      if (seconds > 0) {
        forever.await(seconds, TimeUnit.SECONDS);
      } else {
        forever.await();
      }
    } finally {
      server.stop(0);
    }
    return 0;
  }

  private void handle(HttpExchange ex, WebhooksCli root, HttpClient http) throws IOException {
    byte[] body = ex.getRequestBody().readAllBytes();
    String signature = ex.getRequestHeaders().getFirst("X-Webhook-Signature");
    String event = ex.getRequestHeaders().getFirst("X-Webhook-Event");
    boolean ok = Signatures.verify(body, signature, secret);
    synchronized (root) {
      root.out.println((ok ? "verified  " : "REJECTED (bad signature)  ") + event + "  "
          + ex.getRequestHeaders().getFirst("X-Webhook-Id") + "  " + new String(body, StandardCharsets.UTF_8));
      root.out.flush();
    }
    int status = ok ? 200 : 401;
    if (ok && forward != null) {
      try {
        HttpRequest.Builder req = HttpRequest.newBuilder(forward).timeout(Duration.ofSeconds(9))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", "application/json");
        for (String h : new String[] {"X-Webhook-Signature", "X-Webhook-Id", "X-Webhook-Event", "X-Webhook-Timestamp",
            "webhook-id", "webhook-timestamp", "webhook-signature"}) {
          String v = ex.getRequestHeaders().getFirst(h);
          if (v != null) {
            req.header(h, v);
          }
        }
        status = http.send(req.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (IOException | InterruptedException e) {
        status = 502;
      }
    }
    byte[] answer = (ok ? "ok" : "bad signature").getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, answer.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(answer);
    }
  }
}
