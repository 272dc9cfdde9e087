package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.v1.DeleteWebhookRequest;
import com.apindicators.webhooks.server.config.Metrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Deleting a webhook while its deliveries wait behind a slow receiver: none of them is sent afterwards. */
class DeleteWebhookMidFlightTest {
  // 8 slots in all, 2 per endpoint: at most 2 attempts to the slow receiver are in flight at any time.
  private static final ServerConfig CONFIG = new ServerConfig(0, null, null, true, 8, Duration.ofSeconds(60));
  private static final int PER_ENDPOINT = 2;
  private static final int EVENTS = 30;
  private static final int STAYING = 4;

  @Test
  void deleteDropsTheQueuedDeliveriesAndEveryOtherWebhooksOutcomesAreRecorded() throws Exception {
    try (GrpcTestServer server = GrpcTestServer.start(CONFIG); Receiver slow = new Receiver();
        Receiver fast = new Receiver()) {
      slow.on("/slow", n -> new Answer(200, "late", Map.of(), 300));
      Fixtures f = new Fixtures(server.channel);
      String leaving = f.webhook("leaver", slow.url("/slow"), "signal.buy").getWebhook().getWebhookId();
      for (int i = 0; i < STAYING; i++) {
        f.webhook("stay-" + i, fast.url("/fast/" + i), "signal.buy");
      }
      for (int i = 0; i < EVENTS; i++) {
        f.publish("signal.buy", "{\"n\":" + i + "}", "");
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> slow.requests("/slow").size() >= PER_ENDPOINT);

      f.webhooks.deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(leaving).build());
      int sentBeforeDelete = slow.requests("/slow").size();

      await().atMost(Duration.ofSeconds(30)).until(() -> TestDatabase.count(
          "SELECT count(*) FROM deliveries WHERE status = 'DELIVERED'") == EVENTS * STAYING);
      // Only the attempts in flight when the delete returned may still arrive; nothing queued is started.
      await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
          .until(() -> slow.requests("/slow").size() <= sentBeforeDelete + PER_ENDPOINT);
      assertThat(TestDatabase.count("SELECT count(*) FROM deliveries")).isEqualTo(EVENTS * STAYING);
      assertThat(TestDatabase.count("SELECT count(*) FROM delivery_attempt_log")).isEqualTo(EVENTS * STAYING);
    }
  }

  @Test
  void anotherProcessDropsTheDeletedWebhooksQueuedDeliveriesToo() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (GrpcTestServer a = GrpcTestServer.start(CONFIG); GrpcTestServer b = a.another(CONFIG);
        Receiver slow = new Receiver(); Metrics.Endpoint metricsOfB = b.server.metrics().serve("127.0.0.1", 0)) {
      // The receiver holds every request until released, so the attempts in flight stay in flight.
      slow.on("/slow", n -> {
        try {
          release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return Answer.ok();
      });
      Fixtures viaA = new Fixtures(a.channel);
      Fixtures viaB = new Fixtures(b.channel);
      String leaving = viaA.webhook("leaver", slow.url("/slow"), "signal.buy").getWebhook().getWebhookId();
      for (int i = 0; i < EVENTS; i++) {
        viaB.publish("signal.buy", "{\"n\":" + i + "}", "leaver");
      }
      // Each process holds at most its lane's share (2 in flight, a few waiting); the rest waits in the table.
      await().atMost(Duration.ofSeconds(10)).until(() -> slow.requests("/slow").size() >= PER_ENDPOINT
          && queuedIn(metricsOfB) > 0);

      viaA.webhooks.deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(leaving).build());

      // B learns of the delete within its sweep and drops what waits; then the held attempts finish.
      await().atMost(Duration.ofSeconds(10)).until(() -> queuedIn(metricsOfB) == 0);
      release.countDown();
      // Only the attempts in flight in the two processes (2 each) were ever sent.
      await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
          .until(() -> slow.requests("/slow").size() <= 2 * PER_ENDPOINT);
      assertThat(TestDatabase.count("SELECT count(*) FROM deliveries")).isZero();
    } finally {
      release.countDown();
    }
  }

  private static int queuedIn(Metrics.Endpoint metrics) throws Exception {
    String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + metrics.address().getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("(?m)^webhooks_dispatcher_queued (\\S+)$").matcher(text);
    assertThat(m.find()).as("webhooks_dispatcher_queued in %s", text).isTrue();
    return (int) Double.parseDouble(m.group(1));
  }
}
