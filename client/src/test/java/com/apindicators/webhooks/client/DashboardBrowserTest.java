package com.apindicators.webhooks.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.apindicators.webhooks.client.dashboard.Dashboard;
import com.apindicators.webhooks.client.dashboard.DashboardScope;
import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.Plan;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard in headless Chromium against the real server and real receivers: create and the secret shown
 * once, the plan limit, a delivery live from pending to delivered without reload, a failure with its code and
 * body, redeliver, the Live page, and an account key that cannot see another account. Screenshots go to
 * target/screenshots.
 */
class DashboardBrowserTest {
  @RegisterExtension static final LiveServerExtension ext = new LiveServerExtension();
  /** Started after the browser check, so a machine without Chromium starts no server. */
  static LiveServer server;
  static WebhooksClient admin;
  static Dashboard dashboard;
  static Browser browser;
  static HttpServer receiver;
  static ExecutorService receiverThreads;
  /** The /held endpoint answers only once this is released, so a test can see the delivery pending. */
  static final CountDownLatch release = new CountDownLatch(1);

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Browser.installed() || System.getenv("CI") != null, "chromium and chromium-driver are not installed");
    server = ext.server();
    admin = WebhooksClient.connect(server.target(), server.adminKey, null, null, null);
    receiverThreads = Executors.newCachedThreadPool();
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    receiver.setExecutor(receiverThreads);
    receiver.createContext("/ok", ex -> answer(ex, 200, "thanks"));
    receiver.createContext("/held", ex -> {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      answer(ex, 200, "thanks after a wait");
    });
    receiver.createContext("/fail", ex -> answer(ex, 500, "receiver exploded: database down"));
    receiver.start();
    dashboard = new Dashboard(admin, new DashboardScope(true, ""), "127.0.0.1", 0).start();
    browser = new Browser();
    browser.open(dashboard.signInUrl());
  }

  static void answer(HttpExchange ex, int code, String body) throws IOException {
    ex.getRequestBody().readAllBytes();
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(code, b.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(b);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    release.countDown();
    if (browser != null) {
      browser.close();
    }
    if (dashboard != null) {
      dashboard.close();
      admin.close();
      receiver.stop(0);
      receiverThreads.shutdownNow();
    }
  }

  static String page(String path) {
    return "http://127.0.0.1:" + dashboard.port() + path;
  }

  static String url(String path) {
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
  }

  static String webhook(String account, String name, String path, String event) {
    return admin.createWebhook(CreateWebhookRequest.newBuilder().setAccountId(account).setName(name).setUrl(url(path))
        .addEvents(event).build()).getWebhook().getWebhookId();
  }

  static void publish(String account, String type) {
    admin.publish(PublishEventRequest.newBuilder().setAccountId(account).setType(type)
        .setDataJson(EventSamples.DATA.get(type)).build());
  }

  /** Opens a page with a live stream once the previous page's stream is gone, and returns once the new one is watching. */
  static void openLive(String path) {
    browser.open("about:blank");
    await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 0);
    browser.open(page(path));
    browser.visible("#live [data-state='live']");
    await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 1);
  }

  static void fill(String css, String text) {
    var input = browser.find(css);
    input.clear();
    input.sendKeys(text);
  }

  @Test
  void createWebhookShowsTheSecretOnceAndThePlanLimit() throws Exception {
    browser.open(page("/?account=dash-create"));
    browser.textIn("#plan-usage", "0 of 0 webhooks used");
    fill("#name", "Telegram Bot");
    fill("#url", url("/ok"));
    browser.find("input[name=events][value='signal.buy']").click();
    browser.find("#create").click();
    browser.visible(".form-error.limit");
    assertThat(browser.find(".form-error").getText()).contains("Free");

    new Select(browser.find("#plan-select")).selectByValue("starter");
    browser.find("#plan-form button").click();
    browser.textIn("#plan-usage", "0 of 3 webhooks used");

    // Bad input: each message next to its field, the form keeps what was typed.
    fill("#name", " ");
    fill("#url", "ftp://example.com/hook");
    browser.find("input[name=events][value='signal.buy']").click(); // none checked now
    browser.find("#create").click();
    browser.visible("[data-field=url] .field-error");
    assertThat(browser.find("[data-field=name] .field-error").getText()).isNotBlank();
    assertThat(browser.find("[data-field=events] .field-error").getText()).isNotBlank();
    assertThat(browser.find("#url").getAttribute("value")).isEqualTo("ftp://example.com/hook");

    fill("#name", "Telegram Bot");
    fill("#url", url("/ok"));
    browser.find("input[name=events][value='signal.buy']").click();
    browser.find("input[name=events][value='order.filled']").click();
    browser.find("#create").click();
    browser.textIn("#signing-secret", "whsec_");
    String secret = browser.find("#signing-secret").getText();
    assertThat(browser.find("#secret-box").getText()).contains("only time it is shown");
    // The plan line and the table are fetched and drawn separately: wait for each.
    browser.textIn("#plan-usage", "1 of 3 webhooks used");
    browser.textIn("#webhooks tbody", "Telegram Bot");
    assertThat(browser.find("#webhooks tbody").getText()).contains("signal.buy");
    assertThat(browser.visible("#webhooks tbody .badge.http").getText()).isEqualTo("HTTP");
    browser.screenshot("webhooks");

    browser.open(page("/?account=dash-create"));
    browser.textIn("#webhooks tbody", "Telegram Bot");
    assertThat(browser.driver.findElements(By.id("secret-box"))).isEmpty();
    assertThat(browser.driver.getPageSource()).doesNotContain(secret);

    webhook("dash-create", "second", "/ok", "signal.sell");
    webhook("dash-create", "third", "/ok", "signal.sell");
    browser.open(page("/?account=dash-create"));
    browser.textIn("#plan-usage", "3 of 3 webhooks used");
    fill("#name", "One too many");
    fill("#url", url("/ok"));
    browser.find("input[name=events][value='signal.buy']").click();
    browser.find("#create").click();
    browser.visible(".form-error.limit");
    assertThat(browser.find(".form-error").getText()).contains("Starter").contains("3");
  }

  @Test
  void editDisableRotateAndDeleteAWebhook() throws Exception {
    admin.setPlan("dash-edit", Plan.PLAN_STARTER);
    String id = webhook("dash-edit", "Before", "/ok", "signal.buy");
    browser.open(page("/?account=dash-edit"));
    browser.textIn("#webhooks tbody", "Before");
    browser.find("#webhooks tbody .toggle").click();
    browser.textIn("#webhooks tbody", "disabled");
    assertThat(admin.getWebhook(id).getEnabled()).isFalse();

    String hint = admin.getWebhook(id).getSecretHint();
    browser.find("#webhooks tbody .rotate").click();
    browser.until(ExpectedConditions.alertIsPresent()).accept();
    browser.textIn("#signing-secret", "whsec_");
    assertThat(browser.find("#signing-secret").getText()).endsWith(admin.getWebhook(id).getSecretHint())
        .doesNotEndWith(hint);

    browser.open(page("/webhooks/" + id + "?account=dash-edit"));
    browser.visible("#edit-form [data-field=events] input");
    fill("#url", "https://");
    browser.find("#save").click();
    browser.visible("#edit-form [data-field=url] .field-error");
    fill("#name", "After");
    fill("#url", url("/ok"));
    browser.find("#enabled").click();
    browser.find("#save").click();
    browser.textIn("#saved", "Saved.");
    browser.textIn("#title", "After");
    assertThat(admin.getWebhook(id).getEnabled()).isTrue();

    browser.open(page("/?account=dash-edit"));
    browser.textIn("#webhooks tbody", "After");
    browser.find("#webhooks tbody .delete").click();
    browser.until(ExpectedConditions.alertIsPresent()).dismiss();
    assertThat(admin.listWebhooks("dash-edit")).hasSize(1);
    browser.find("#webhooks tbody .delete").click();
    browser.until(ExpectedConditions.alertIsPresent()).accept();
    browser.textIn("#webhooks tbody", "No webhooks yet");
    browser.textIn("#plan-usage", "0 of 3 webhooks used");
    assertThat(admin.listWebhooks("dash-edit")).isEmpty();
  }

  @Test
  void aPublishedEventAppearsLiveAFailureShowsItsResponseAndRedeliverAddsAnAttempt() throws Exception {
    admin.setPlan("dash-live", Plan.PLAN_PRO);
    String held = webhook("dash-live", "Held receiver", "/held", "order.filled");
    String failing = webhook("dash-live", "Failing receiver", "/fail", "backtest.run");

    openLive("/webhooks/" + held + "?account=dash-live");
    browser.driver.executeScript("window.notReloaded = true;");
    publish("dash-live", "order.filled");
    browser.visible("#deliveries tbody tr[data-id] [data-status=pending]");
    release.countDown();
    browser.visible("#deliveries tbody tr[data-id] [data-status=delivered]");
    assertThat(browser.driver.executeScript("return window.notReloaded === true;")).isEqualTo(true);
    assertThat(browser.find("#deliveries tbody tr[data-id] .code").getText()).isEqualTo("200");
    browser.screenshot("webhook-detail");

    openLive("/webhooks/" + failing + "?account=dash-live");
    publish("dash-live", "backtest.run");
    browser.visible("#deliveries tbody tr.row-failed [data-status=failed]");
    assertThat(browser.find("#deliveries tbody tr.row-failed .code").getText()).isEqualTo("500");
    browser.find("#deliveries tbody tr.row-failed").click();
    browser.textIn("#response-code", "500");
    browser.textIn(".response-body", "receiver exploded: database down");
    assertThat(browser.find("#request-body").getText()).startsWith("{\"event\":\"backtest.run\",\"timestamp\":\"")
        .endsWith(",\"data\":" + EventSamples.DATA.get("backtest.run") + "}");
    assertThat(browser.find("#headers").getText()).contains("X-Webhook-Id").contains("not shown").doesNotContain("whsec_");
    browser.visible("#live [data-state='live']");
    await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 1);
    browser.screenshot("delivery");

    browser.find("#redeliver").click();
    browser.until(d -> d.findElements(By.cssSelector(".attempt")).size() == 2);
    browser.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#summary"), "2"));

    openLive("/live?account=dash-live");
    publish("dash-live", "order.filled");
    publish("dash-live", "backtest.run");
    browser.until(d -> d.findElements(By.cssSelector("#deliveries tbody [data-status=delivered]")).size() >= 2);
    browser.visible("#deliveries tbody tr.row-failed");
    browser.until(d -> Integer.parseInt(d.findElement(By.id("count-failed")).getText()) >= 2);
    browser.screenshot("live");

    // Paused: updates wait and are applied on resume.
    browser.find("#pause").click();
    int rows = browser.driver.findElements(By.cssSelector("#deliveries tbody tr[data-id]")).size();
    publish("dash-live", "backtest.run");
    browser.textIn("#queued", "updates waiting");
    assertThat(browser.driver.findElements(By.cssSelector("#deliveries tbody tr[data-id]"))).hasSize(rows);
    browser.find("#pause").click();
    browser.until(d -> d.findElements(By.cssSelector("#deliveries tbody tr[data-id]")).size() == rows + 1);

    // The Webhooks page follows deliveries too: the failing webhook's success rate counts one more.
    browser.open("about:blank");
    await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 0);
    browser.open(page("/?account=dash-live"));
    String failingRow = "#webhooks tbody tr[data-id='" + failing + "']";
    browser.textIn(failingRow, "0% of");
    await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 1);
    String rate = browser.find(failingRow + " .rate").getText();
    publish("dash-live", "backtest.run");
    browser.until(d -> !d.findElement(By.cssSelector(failingRow + " .rate")).getText().equals(rate));
    browser.textIn(failingRow + " .last-status", "failed");

    browser.open(page("/event-types?account=dash-live"));
    browser.visible("section[data-type='signal.buy'] pre");
    browser.screenshot("event-types");
    browser.find("section[data-type='order.filled'] .send-test").click();
    browser.textIn("section[data-type='order.filled'] .result", "Sent evt_");
    // A test event to one chosen webhook (PublishEvent's webhook_ids).
    new org.openqa.selenium.support.ui.Select(browser.find("section[data-type='backtest.run'] .test-target"))
        .selectByValue(failing);
    browser.find("section[data-type='backtest.run'] .send-test").click();
    browser.textIn("section[data-type='backtest.run'] .result", "to 1 webhook.");
  }

  @Test
  void anAccountKeyCannotSeeAnotherAccount() throws Exception {
    admin.setPlan("dash-a", Plan.PLAN_STARTER);
    admin.setPlan("dash-b", Plan.PLAN_STARTER);
    webhook("dash-a", "Mine", "/ok", "signal.buy");
    String theirs = webhook("dash-b", "Theirs", "/ok", "signal.buy");
    String key = admin.createApiKey("dash-a", "dashboard test").getApiKey();
    try (WebhooksClient scoped = WebhooksClient.connect(server.target(), key, null, null, null);
        Dashboard customer = new Dashboard(scoped, new DashboardScope(false, "dash-a"), "127.0.0.1", 0).start()) {
      // Opened as localhost: the name a loopback dashboard accepts beside 127.0.0.1.
      String base = "http://localhost:" + customer.port();
      browser.open(customer.signInUrl().replace("127.0.0.1", "localhost"));
      browser.textIn("#webhooks tbody", "Mine");
      assertThat(browser.find("#webhooks tbody").getText()).doesNotContain("Theirs");
      assertThat(browser.driver.findElements(By.id("account-picker"))).isEmpty();
      assertThat(browser.find("header .account").getText()).contains("dash-a");

      browser.open(base + "/?account=dash-b");
      browser.textIn("#page-error", "scoped to account 'dash-a'");
      browser.open(base + "/webhooks/" + theirs);
      browser.textIn("#page-error", "No webhook with id");
      browser.open(base + "/live?account=dash-b");
      browser.textIn("#page-error", "scoped to account 'dash-a'");
    }
  }
}
