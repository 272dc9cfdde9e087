package com.apindicators.webhooks.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.client.CliTest.Run;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** watch filters and resume, trigger, listen --forward-to/--create and rotation, update's policy flags: real server and apps. */
class CliLiveTest {
  @RegisterExtension static final LiveServerExtension ext = new LiveServerExtension();
  static final LiveServer server = ext.server();
  /** A loopback "app": answers 200 "thanks from the app" and keeps the bodies it got. */
  static HttpServer app;
  static final List<String> appBodies = new CopyOnWriteArrayList<>();
  static final List<LocalTime> appReceived = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    app.createContext("/", ex -> {
      appReceived.add(LocalTime.now());
      appBodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      byte[] answer = "thanks from the app".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(ex.getRequestURI().getPath().equals("/fail") ? 500 : 200, answer.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(answer);
      }
    });
    app.start();
  }

  @AfterAll
  static void stop() throws Exception {
    app.stop(0);
  }

  static Run cli(String... args) {
    return CliTest.cli(server, args);
  }

  static String appUrl(String path) {
    return "http://127.0.0.1:" + app.getAddress().getPort() + path;
  }

  static String created(String account, String url, String events) {
    Run r = cli("create", "--account", account, "--name", "n", "--url", url, "--events", events);
    assertThat(r.exit()).as(r.err().toString()).isZero();
    return r.stdout().substring(0, r.stdout().indexOf(' '));
  }

  @Test
  void triggerToOneWebhookReachesOnlyIt() {
    cli("plan", "set", "--account", "trig-one", "--plan", "pro");
    String one = created("trig-one", appUrl("/ok"), "order.filled");
    created("trig-one", appUrl("/ok"), "order.filled");
    Run picked = cli("trigger", "order.filled", "--account", "trig-one", "--webhook", one);
    assertThat(picked.exit()).as(picked.err().toString()).isZero();
    assertThat(picked.stdout()).contains(": 1 deliveries");
    assertThat(cli("trigger", "order.filled", "--account", "trig-one").stdout()).contains(": 2 deliveries");
  }

  @Test
  void eventsListAndResendAccountWideDeliveriesAndAttempts() {
    cli("plan", "set", "--account", "hist", "--plan", "pro");
    String failing = created("hist", appUrl("/fail"), "order.filled");
    created("hist", appUrl("/ok"), "order.filled");
    assertThat(cli("trigger", "order.filled", "--account", "hist").exit()).isZero();
    Run events = cli("-o", "json", "events", "list", "--account", "hist");
    assertThat(events.exit()).as(events.err().toString()).isZero();
    Matcher id = Pattern.compile("\"eventId\":\"(evt_[^\"]+)\"").matcher(events.stdout());
    assertThat(id.find()).isTrue();
    assertThat(events.stdout()).startsWith("{\"events\":[{\"eventId\":").endsWith("}]}\n").containsOnlyOnce("eventId");
    assertThat(events.stdout()).contains("\"dataJson\":\"{");

    Run resend = cli("events", "resend", "--event", id.group(1), "--webhook", failing);
    assertThat(resend.exit()).as(resend.err().toString()).isZero();
    assertThat(resend.stdout()).startsWith("resent " + id.group(1) + ": 1 deliveries");
    await().atMost(Duration.ofSeconds(10)).until(() -> cli("deliveries", "--account", "hist", "--status", "failed")
        .stdout().strip().lines().count() == 2);
    Run failed = cli("-o", "json", "deliveries", "--account", "hist", "--status", "failed", "--event-type", "order.filled");
    assertThat(failed.stdout().lines()).singleElement().asString().startsWith("{\"deliveries\":[{\"deliveryId\":");
    assertThat(Pattern.compile("\"webhookId\":\"" + failing).matcher(failed.stdout()).results()).hasSize(2);
    Matcher dlv = Pattern.compile("\"deliveryId\":\"(dlv_[^\"]+)\"").matcher(failed.stdout());
    assertThat(dlv.find()).isTrue();

    Run attempts = cli("delivery", "--id", dlv.group(1), "--attempts");
    assertThat(attempts.exit()).as(attempts.err().toString()).isZero();
    assertThat(attempts.stdout()).contains("#1").contains("  500  ").contains("thanks from the app");
    Run json = cli("-o", "json", "delivery", "--id", dlv.group(1), "--attempts");
    assertThat(json.stdout().strip()).startsWith("{\"delivery\":{").contains("\"attempts\":[{\"attempt\":1,")
        .contains("\"responseCode\":500").endsWith("]}");

    Run both = cli("deliveries", "--account", "hist", "--webhook", failing);
    assertThat(both.exit()).isEqualTo(2);
    assertThat(both.err().toString()).contains("not both");
    assertThat(cli("deliveries", "--account", "hist", "--since", "yesterday").exit()).isEqualTo(2);
    Run unknown = cli("events", "resend", "--event", "evt_nope");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err().toString()).contains("evt_nope");
  }

  @Test
  void watchFiltersByStatusEventTypeAndWebhookAndResumesFromAToken() throws Exception {
    cli("plan", "set", "--account", "watcher", "--plan", "pro");
    String failing = created("watcher", appUrl("/fail"), "signal.buy,order.filled");
    String other = created("watcher", appUrl("/ok"), "signal.buy,order.filled");
    CompletableFuture<Run> watch = CompletableFuture.supplyAsync(() -> cli("-o", "json", "watch", "--account", "watcher",
        "--status", "failed", "--event-type", "signal.buy", "--webhook", failing, "--count", "1", "--seconds", "30"));
    await().atMost(Duration.ofSeconds(10)).until(() -> server.server.watchers() == 1);
    cli("trigger", "order.filled", "--account", "watcher");
    cli("trigger", "signal.buy", "--account", "watcher");
    String line = watch.get().stdout().strip();
    assertThat(line).contains("\"webhookId\":\"" + failing + "\"").contains("\"eventType\":\"signal.buy\"")
        .contains("\"status\":\"failed\"").contains("\"responseCode\":500").contains("\"resumeToken\":\"").doesNotContain(other);

    // resume: from the failed update's token, the next update of that webhook, in text: delivery id, status, code
    Matcher token = Pattern.compile("\"resumeToken\":\"([^\"]+)\"").matcher(line);
    assertThat(token.find()).isTrue();
    CompletableFuture<Run> resumed = CompletableFuture.supplyAsync(() -> cli("watch", "--account", "watcher",
        "--webhook", failing, "--resume-token", token.group(1), "--count", "1", "--seconds", "30"));
    cli("trigger", "signal.buy", "--account", "watcher");
    String next = resumed.get().stdout();
    assertThat(next).contains("dlv_").contains(failing).contains("signal.buy").doesNotContain(line);
  }

  @Test
  void listenCreatesATemporaryWebhookForwardsTriggeredSamplesToTheAppAndDeletesItOnExit() throws Exception {
    cli("plan", "set", "--account", "listener", "--plan", "starter");
    appBodies.clear();
    appReceived.clear();
    CompletableFuture<Run> listen = CompletableFuture.supplyAsync(() -> cli("listen", "--create", "--account", "listener",
        "--events", "signal.buy", "--forward-to", appUrl("/webhook"), "--count", "1", "--seconds", "30"));
    await().atMost(Duration.ofSeconds(10)).until(() -> cli("list", "--account", "listener").stdout().contains("webhooks listen"));
    Run triggered = cli("trigger", "signal.buy", "--account", "listener");
    assertThat(triggered.stdout()).contains("1 deliveries");
    Run heard = listen.get();
    assertThat(heard.exit()).as(heard.err().toString()).isZero();
    assertThat(heard.stdout()).contains("--> signal.buy  verified")
        .contains("<-- [200] POST " + appUrl("/webhook") + "  thanks from the app");
    // The --> line has the time the webhook arrived (before it was forwarded), the <-- line the time the app answered.
    Matcher times = Pattern.compile("(?m)^(\\S+)  --> .*\\n(\\S+)  <-- ").matcher(heard.stdout());
    assertThat(times.find()).as(heard.stdout()).isTrue();
    assertThat(LocalTime.parse(times.group(1))).isBeforeOrEqualTo(appReceived.get(0).truncatedTo(ChronoUnit.MILLIS));
    assertThat(LocalTime.parse(times.group(2))).isAfterOrEqualTo(appReceived.get(0).truncatedTo(ChronoUnit.MILLIS));
    assertThat(appBodies).singleElement().asString().contains(
        "\"data\":{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"score\":0.87,\"market_type\":\"trending\",\"interval\":\"1h\"}");
    assertThat(cli("list", "--account", "listener").stdout()).isEmpty();
    Run unknown = cli("trigger", "signal.hold");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err().toString()).contains("backtest.run, order.filled, signal.buy, signal.sell");
  }

  @Test
  void listenVerifiesStandardWebhooksSignaturesWithTheOldSecretAfterARotation() throws Exception {
    cli("plan", "set", "--account", "rotator", "--plan", "starter");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Run created = cli("create", "--account", "rotator", "--name", "r", "--url", "http://127.0.0.1:" + port + "/",
        "--events", "signal.sell");
    Matcher m = Pattern.compile("signing secret: (whsec_\\S+)").matcher(created.stdout());
    assertThat(m.find()).isTrue();
    String id = created.stdout().substring(0, created.stdout().indexOf(' '));
    assertThat(cli("rotate-secret", "--webhook", id).exit()).isZero();
    CompletableFuture<Run> listen = CompletableFuture.supplyAsync(() -> cli("listen", "--port", Integer.toString(port),
        "--secret", "whsec_notit," + m.group(1), "--count", "1", "--seconds", "30"));
    Listening.awaitPort(port);
    Run triggered = cli("trigger", "signal.sell", "--account", "rotator");
    assertThat(triggered.stdout()).as(triggered.err().toString()).contains("1 deliveries");
    Run heard = listen.get();
    assertThat(heard.stdout()).as(cli("deliveries", "--webhook", id).stdout()).contains("--> signal.sell  verified");
  }

  @Test
  void updateChangesRetryPolicyAndFilterKeepingTheOtherParts() {
    cli("plan", "set", "--account", "updater", "--plan", "starter");
    String id = created("updater", appUrl("/ok"), "signal.buy");
    Run first = cli("-o", "json", "update", "--webhook", id, "--retry-max-attempts", "5", "--retry-initial-backoff", "2s",
        "--retry-max-backoff", "1h", "--filter-pairs", "BTCUSDT,ETHUSDT");
    assertThat(first.exit()).as(first.err().toString()).isZero();
    Run second = cli("-o", "json", "update", "--webhook", id, "--retry-initial-backoff", "500ms", "--filter-min-score", "0.8");
    assertThat(second.exit()).as(second.err().toString()).isZero();
    assertThat(second.stdout()).contains("\"retryPolicy\":{\"maxAttempts\":5,\"initialBackoff\":\"0.500s\",\"maxBackoff\":\"3600s\"}")
        .contains("\"filter\":{\"pairs\":[\"BTCUSDT\",\"ETHUSDT\"],\"intervals\":[],\"minScore\":0.8}");
  }

  @Test
  void disableAfterIsSetShownAndClearedAndEnablingClearsTheReason() {
    cli("plan", "set", "--account", "breaker", "--plan", "starter");
    Run created = cli("create", "--account", "breaker", "--name", "n", "--url", appUrl("/fail"), "--events", "signal.buy",
        "--disable-after", "2");
    assertThat(created.exit()).as(created.err().toString()).isZero();
    assertThat(created.stdout()).contains("disable after 2 failed in a row").contains("no attempts yet");
    String id = created.stdout().substring(0, created.stdout().indexOf(' '));
    cli("trigger", "signal.buy", "--account", "breaker");
    await().atMost(Duration.ofSeconds(10)).until(() -> cli("get", "--webhook", id).stdout().contains("1 failed in a row"));
    cli("trigger", "signal.buy", "--account", "breaker");
    await().atMost(Duration.ofSeconds(10)).until(() -> cli("get", "--webhook", id).stdout().contains("(disabled: "));
    String shown = cli("get", "--webhook", id).stdout();
    assertThat(shown).contains("Disabled by its disable policy: 2 deliveries in a row failed")
        .contains("last failed, 0% of the last 2 attempts ok, p50 ").contains("2 failed in a row");
    assertThat(cli("list", "--account", "breaker").stdout()).isEqualTo(shown);
    Run json = cli("-o", "json", "get", "--webhook", id);
    assertThat(json.stdout()).contains("\"enabled\":false").contains("\"disabledTime\":\"")
        .contains("\"health\":{\"lastDeliveryStatus\":\"failed\"").contains("\"recentAttempts\":2");

    Run enabled = cli("-o", "json", "update", "--webhook", id, "--enabled", "true", "--disable-after", "5d");
    assertThat(enabled.exit()).as(enabled.err().toString()).isZero();
    assertThat(enabled.stdout()).contains("\"enabled\":true").contains("\"disabledReason\":\"\"")
        .contains("\"disablePolicy\":{\"afterFailingFor\":\"432000s\"}").contains("\"consecutiveFailures\":0")
        .contains("\"disabledTime\":null");
    assertThat(cli("get", "--webhook", id).stdout()).contains("disable after failing for 5d").doesNotContain("(disabled");
    Run never = cli("update", "--webhook", id, "--disable-after", "never");
    assertThat(never.stdout()).doesNotContain("disable after");
    Run zero = cli("update", "--webhook", id, "--disable-after", "0");
    assertThat(zero.exit()).isEqualTo(1);
    assertThat(zero.err().toString()).contains("INVALID_ARGUMENT").contains("after_consecutive_failures");
  }
}
