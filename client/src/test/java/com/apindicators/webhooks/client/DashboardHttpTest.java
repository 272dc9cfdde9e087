package com.apindicators.webhooks.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.client.dashboard.Dashboard;
import com.apindicators.webhooks.client.dashboard.DashboardScope;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The dashboard's HTTP side without a browser: session from the one-time link, CSRF on changes, host and bind. */
class DashboardHttpTest {
  @RegisterExtension static final LiveServerExtension ext = new LiveServerExtension();
  static final LiveServer server = ext.server();
  static WebhooksClient client;
  static Dashboard dashboard;
  static final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeAll
  static void start() throws Exception {
    client = WebhooksClient.connect(server.target(), server.adminKey, null, null, null);
    dashboard = new Dashboard(client, new DashboardScope(true, "sec"), "127.0.0.1", 0).start();
  }

  @AfterAll
  static void stop() throws Exception {
    dashboard.close();
    client.close();
  }

  static String base() {
    return "http://127.0.0.1:" + dashboard.port();
  }

  static HttpResponse<String> get(String path, String cookie) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(10));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String path, String cookie, String csrf, String json) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    if (csrf != null) {
      b.header("X-CSRF-Token", csrf);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Signs in once (the link works only once per process, so every test shares the cookie). */
  static synchronized String cookie() throws Exception {
    if (signedIn == null) {
      signInLink = URI.create(dashboard.signInUrl());
      HttpResponse<String> r = get(signInLink.getRawPath() + "?" + signInLink.getRawQuery(), null);
      assertThat(r.statusCode()).isEqualTo(303);
      String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
      assertThat(setCookie).contains("HttpOnly").contains("SameSite=Lax");
      signedIn = setCookie.substring(0, setCookie.indexOf(';'));
    }
    return signedIn;
  }

  static String signedIn;
  static URI signInLink;

  static String csrf(String cookie) throws Exception {
    String html = get("/", cookie).body();
    int at = html.indexOf("name=\"csrf-token\" content=\"") + "name=\"csrf-token\" content=\"".length();
    return html.substring(at, html.indexOf('"', at));
  }

  @Test
  void everyPageAndApiNeedsTheSessionCookie() throws Exception {
    for (String path : new String[] {"/", "/live", "/event-types", "/api/webhooks?account=sec", "/api/stream", "/assets/common.js"}) {
      assertThat(get(path, null).statusCode()).as(path).isEqualTo(401);
      assertThat(get(path, cookie().split("=")[0] + "=forged").statusCode()).as(path).isEqualTo(401);
    }
    assertThat(get("/api/webhooks?account=sec", cookie()).statusCode()).isEqualTo(200);
  }

  @Test
  void theSignInLinkWorksOnceAndAWrongTokenNever() throws Exception {
    String cookie = cookie();
    assertThat(get("/login?token=wrong", null).statusCode()).isEqualTo(403);
    // Spent: the same link no longer signs anyone in, and the printed link says so.
    HttpResponse<String> again = get(signInLink.getRawPath() + "?" + signInLink.getRawQuery(), null);
    assertThat(again.statusCode()).isEqualTo(403);
    assertThat(again.headers().firstValue("Set-Cookie")).isEmpty();
    assertThat(again.body()).contains("already used");
    // A browser that already has the session is sent on to the dashboard.
    assertThat(get("/login?token=anything", cookie).statusCode()).isEqualTo(303);
  }

  @Test
  void changesNeedTheCsrfToken() throws Exception {
    String cookie = cookie();
    String plan = "{\"plan\":\"PLAN_STARTER\"}";
    assertThat(post("/api/account/plan?account=sec", cookie, null, plan).statusCode()).isEqualTo(403);
    assertThat(post("/api/account/plan?account=sec", cookie, "wrong", plan).statusCode()).isEqualTo(403);
    assertThat(client.getAccount("sec").getWebhookLimit()).isZero();
    HttpResponse<String> ok = post("/api/account/plan?account=sec", cookie, csrf(cookie), plan);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(client.getAccount("sec").getWebhookLimit()).isEqualTo(3);
    // Without the session, the token alone is not enough.
    assertThat(post("/api/account/plan?account=sec", null, csrf(cookie), plan).statusCode()).isEqualTo(401);
  }

  @Test
  void badInputAnswersFieldViolationsAsJson() throws Exception {
    String cookie = cookie();
    client.setPlan("sec-bad", com.apindicators.webhooks.v1.Plan.PLAN_PRO);
    HttpResponse<String> r = post("/api/webhooks?account=sec-bad", cookie, csrf(cookie),
        "{\"name\":\"\",\"url\":\"ftp://example.com\",\"events\":[\"nope\"]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("\"code\":\"INVALID_ARGUMENT\"").contains("\"field\":\"url\"").contains("\"field\":\"name\"")
        .doesNotContain("Exception").doesNotContain("\tat ");
    HttpResponse<String> garbage = post("/api/webhooks?account=sec-bad", cookie, csrf(cookie), "{not json");
    assertThat(garbage.statusCode()).isEqualTo(400);
    assertThat(garbage.body()).doesNotContain("\tat ");
  }

  @Test
  void requestsForAnotherHostAreRefused() throws Exception {
    String cookie = cookie();
    // DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1.
    assertThat(rawStatus("evil.example:" + dashboard.port(), cookie)).isEqualTo(403);
    assertThat(rawStatus("localhost:" + dashboard.port(), cookie)).isEqualTo(200);
    assertThat(rawStatus("127.0.0.1:" + dashboard.port(), cookie)).isEqualTo(200);
  }

  @Test
  void listensOnlyOnTheChosenAddress() throws Exception {
    Optional<InetAddress> other = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
        .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
        .filter(a -> !a.isLoopbackAddress() && a instanceof java.net.Inet4Address).findFirst();
    org.junit.jupiter.api.Assumptions.assumeTrue(other.isPresent(), "this machine has no non-loopback address");
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(other.get(), dashboard.port()), 2000);
      org.junit.jupiter.api.Assertions.fail("connected to the dashboard on " + other.get());
    } catch (ConnectException expected) {
      // Refused: nothing listens there.
    }
  }

  @Test
  void theCommandAsksAnAccountKeyWhichAccountItIsFor() {
    String key = client.createApiKey("sec-cli", "dashboard command test").getApiKey();
    picocli.CommandLine cl = com.apindicators.webhooks.client.cli.WebhooksCli.commandLine();
    java.io.StringWriter err = new java.io.StringWriter();
    cl.setErr(new java.io.PrintWriter(err, true));
    assertThat(cl.execute("--server", server.target(), "--api-key", key, "dashboard", "--port", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("scoped to one account").contains("--account");
    err.getBuffer().setLength(0);
    assertThat(cl.execute("--server", server.target(), "--api-key", key, "dashboard", "--account", "someone-else"))
        .isEqualTo(1);
    assertThat(err.toString()).contains("PERMISSION_DENIED").contains("sec-cli");
    assertThat(CliTest.cli(server, "dashboard", "--port", "70000").exit()).isEqualTo(2);
  }

  @Test
  void pagesAndApiAnswersAreNeverStoredInTheBrowsersCache() throws Exception {
    String cookie = cookie();
    client.setPlan("sec-cache", com.apindicators.webhooks.v1.Plan.PLAN_STARTER);
    // The signing secret, shown once, must not stay in the browser's disk cache; nor delivery bodies and pages.
    HttpResponse<String> created = post("/api/webhooks?account=sec-cache", cookie, csrf(cookie),
        "{\"name\":\"cached\",\"url\":\"http://127.0.0.1:9/hook\",\"events\":[\"order.filled\"]}");
    assertThat(created.body()).contains("signingSecret");
    assertThat(created.headers().firstValue("Cache-Control")).hasValue("no-store");
    for (String path : new String[] {"/", "/live", "/api/webhooks?account=sec-cache", "/api/deliveries?account=sec-cache"}) {
      assertThat(get(path, cookie).headers().firstValue("Cache-Control")).as(path).hasValue("no-store");
    }
  }

  @Test
  void theCommandLineLogsNeitherTheApiKeyNorDebugLinesIntoItsOutput() throws Exception {
    // The jar as users run it: the client's own classpath, without the server's logging configuration.
    String classpath = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .filter(e -> !e.contains("webhooks-server") && !e.replace('\\', '/').contains("/server/target/"))
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    Process p = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classpath, "com.apindicators.webhooks.client.cli.WebhooksCli", "--server", server.target(),
        "--api-key", server.adminKey, "-o", "json", "list", "--account", "sec-log").redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(output).doesNotContain(server.adminKey).doesNotContain("DEBUG");
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output.strip()).startsWith("{");
  }

  @Test
  void aReconnectWithTheLastEventIdGetsEveryChangeItMissed() throws Exception {
    client.setPlan("sec-sse", com.apindicators.webhooks.v1.Plan.PLAN_STARTER);
    // Nothing listens on port 9 of this machine: each delivery goes pending, then failed.
    String webhook = client.createWebhook(com.apindicators.webhooks.v1.CreateWebhookRequest.newBuilder().setAccountId("sec-sse")
        .setName("refused").setUrl("http://127.0.0.1:9/hook").addEvents("order.filled").build()).getWebhook().getWebhookId();
    String cookie = cookie();
    String firstId;
    String firstDelivery;
    try (java.util.stream.Stream<String> lines = stream(cookie, null)) {
      await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 1);
      firstDelivery = publish("sec-sse");
      java.util.Iterator<String> it = lines.iterator();
      String id = null;
      while (id == null) {
        String line = it.next();
        if (line.startsWith("id: ")) {
          id = line.substring(4);
        }
      }
      firstId = id;
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 0);
    String missed = publish("sec-sse");
    await().atMost(Duration.ofSeconds(20)).until(() -> client.getDelivery(missed).getStatus()
        == com.apindicators.webhooks.v1.DeliveryStatus.DELIVERY_STATUS_FAILED);

    try (java.util.stream.Stream<String> lines = stream(cookie, firstId)) {
      java.util.Iterator<String> it = lines.iterator();
      java.util.List<String> missedEvents = new java.util.ArrayList<>();
      // Bounded: a stream that never sends them fails the test instead of hanging it.
      org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
        while (missedEvents.stream().noneMatch(l -> l.contains("DELIVERY_STATUS_FAILED"))) {
          String line = it.next();
          if (line.startsWith("data: ") && line.contains(missed)) {
            missedEvents.add(line);
          }
        }
      });
      assertThat(missedEvents.get(0)).contains("DELIVERY_STATUS_PENDING");
    }
    assertThat(webhook).isNotEqualTo(firstDelivery);
  }

  @Test
  void aTestEventGoesToTheWebhookPickedOrToEverySubscribedOne() throws Exception {
    client.setPlan("sec-test", com.apindicators.webhooks.v1.Plan.PLAN_STARTER);
    String picked = null;
    for (String name : new String[] {"a", "b"}) {
      picked = client.createWebhook(com.apindicators.webhooks.v1.CreateWebhookRequest.newBuilder().setAccountId("sec-test")
          .setName(name).setUrl("http://127.0.0.1:9/" + name).addEvents("order.filled").build()).getWebhook().getWebhookId();
    }
    String cookie = cookie();
    HttpResponse<String> one = post("/api/test-events?account=sec-test", cookie, csrf(cookie),
        "{\"type\":\"order.filled\",\"webhookIds\":[\"" + picked + "\"]}");
    assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
    assertThat(com.google.gson.JsonParser.parseString(one.body()).getAsJsonObject().get("deliveriesCreated").getAsInt())
        .isEqualTo(1);
    HttpResponse<String> all = post("/api/test-events?account=sec-test", cookie, csrf(cookie), "{\"type\":\"order.filled\"}");
    assertThat(com.google.gson.JsonParser.parseString(all.body()).getAsJsonObject().get("deliveriesCreated").getAsInt())
        .isEqualTo(2);
    // A webhook of another account is the API's NOT_FOUND, as JSON.
    client.setPlan("sec-other", com.apindicators.webhooks.v1.Plan.PLAN_STARTER);
    String foreign = client.createWebhook(com.apindicators.webhooks.v1.CreateWebhookRequest.newBuilder().setAccountId("sec-other")
        .setName("x").setUrl("http://127.0.0.1:9/x").addEvents("order.filled").build()).getWebhook().getWebhookId();
    HttpResponse<String> other = post("/api/test-events?account=sec-test", cookie, csrf(cookie),
        "{\"type\":\"order.filled\",\"webhookIds\":[\"" + foreign + "\"]}");
    assertThat(other.statusCode()).isEqualTo(404);
  }

  private static String publish(String account) {
    com.apindicators.webhooks.v1.PublishEventResponse r = client.publish(com.apindicators.webhooks.v1.PublishEventRequest
        .newBuilder().setAccountId(account).setType("order.filled").setDataJson("{\"n\":1}").build());
    assertThat(r.getDeliveriesCreated()).isEqualTo(1);
    return client.listDeliveries(com.apindicators.webhooks.v1.ListDeliveriesRequest.newBuilder().setAccountId(account).build(), 1)
        .get(0).getDeliveryId();
  }

  /** The dashboard's event stream of an account, resuming after an event id when one is given. */
  private static java.util.stream.Stream<String> stream(String cookie, String lastEventId) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + "/api/stream?account=sec-sse"))
        .header("Cookie", cookie).header("Accept", "text/event-stream");
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<java.util.stream.Stream<String>> r = http.send(b.build(), HttpResponse.BodyHandlers.ofLines());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static int rawStatus(String host, String cookie) throws Exception {
    try (Socket s = new Socket("127.0.0.1", dashboard.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET /api/context HTTP/1.1\r\nHost: " + host + "\r\nCookie: " + cookie + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
      return Integer.parseInt(status.substring(9, 12));
    }
  }
}
