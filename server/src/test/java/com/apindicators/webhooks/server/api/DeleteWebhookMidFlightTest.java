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
import java.time.Duration;
import java.util.Map;
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
      assertThat(TestDatabase.count("SELECT count(*) FROM delivery_attempts")).isEqualTo(EVENTS * STAYING);
    }
  }

  @Test
  void anotherProcessDropsTheDeletedWebhooksQueuedDeliveriesToo() throws Exception {
    try (GrpcTestServer a = GrpcTestServer.start(CONFIG); GrpcTestServer b = a.another(CONFIG);
        Receiver slow = new Receiver()) {
      slow.on("/slow", n -> new Answer(200, "late", Map.of(), 500));
      Fixtures viaA = new Fixtures(a.channel);
      Fixtures viaB = new Fixtures(b.channel);
      String leaving = viaA.webhook("leaver", slow.url("/slow"), "signal.buy").getWebhook().getWebhookId();
      // Published through B, so B's dispatcher holds them: at 2 per 500 ms they would take 10 s to send.
      for (int i = 0; i < 40; i++) {
        viaB.publish("signal.buy", "{\"n\":" + i + "}", "leaver");
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> slow.requests("/slow").size() >= PER_ENDPOINT);

      viaA.webhooks.deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(leaving).build());

      // B learns of the delete within its sweep (1 s); far fewer than the 40 queued are sent.
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
          .until(() -> slow.requests("/slow").size() <= 20);
      assertThat(TestDatabase.count("SELECT count(*) FROM deliveries")).isZero();
    }
  }
}
