package com.apindicators.webhooks.server.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.v1.Delivery;
import com.apindicators.webhooks.v1.DeliveryStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The short form of the fault suite's hostile receivers: one tenant's endpoints reset, trickle, never end (a body, a
 * header line, informational answers, one-byte chunks with long extensions), answer with too many header fields, or with NUL bytes, invalid UTF-8 and garbage; each of their deliveries ends {@code failed} with a readable
 * error, and 50 webhooks of other tenants beside them get every delivery.
 */
class HostileReceiversTest {
  private static final int NORMAL_WEBHOOKS = 50;
  private static final int EVENTS = 4;

  @Test
  void everyHostileAnswerEndsFailedWithAReadableErrorAndOtherTenantsGetEveryDelivery() throws Exception {
    List<HostileReceiver> hostile = new ArrayList<>();
    try (GrpcTestServer server = GrpcTestServer.start(); Receiver normal = new Receiver()) {
      Fixtures f = new Fixtures(server.channel);
      Map<String, HostileReceiver> byWebhook = new HashMap<>();
      for (HostileReceiver.Behaviour b : HostileReceiver.Behaviour.values()) {
        HostileReceiver r = new HostileReceiver(b);
        hostile.add(r);
        byWebhook.put(f.webhook("attacker", r.url(), "order.filled").getWebhook().getWebhookId(), r);
      }
      List<String> normalWebhooks = new ArrayList<>();
      for (int i = 0; i < NORMAL_WEBHOOKS; i++) {
        normalWebhooks.add(f.webhook("tenant-" + (i % 5), normal.url("/t" + i), "order.filled").getWebhook().getWebhookId());
      }
      for (int i = 0; i < EVENTS; i++) {
        f.publish("order.filled", "{\"n\":" + i + "}", "");
      }

      await().atMost(Duration.ofSeconds(60)).until(() -> TestDatabase.count(
          "SELECT count(*) FROM deliveries WHERE status = 'PENDING'") == 0);
      for (String webhookId : normalWebhooks) {
        assertThat(f.deliveriesOf(webhookId)).hasSize(EVENTS).allMatch(d -> d.getStatus() == DeliveryStatus.DELIVERY_STATUS_DELIVERED);
      }
      assertThat(normal.requests()).hasSize(NORMAL_WEBHOOKS * EVENTS);
      byWebhook.forEach((webhookId, receiver) -> {
        List<Delivery> deliveries = f.deliveriesOf(webhookId);
        assertThat(deliveries).as(receiver.behaviour().name()).hasSize(EVENTS).allSatisfy(d -> {
          assertThat(d.getStatus()).as(receiver.behaviour() + ": " + d.getError()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_FAILED);
          assertThat(d.getError()).as(receiver.behaviour().name()).isNotBlank().doesNotContain("\0");
          assertThat(d.getResponseBody()).doesNotContain("\0");
          if (receiver.behaviour() == HostileReceiver.Behaviour.ENDLESS_BODY) {
            // Not read to the timeout: the answer is the status and the first 16 KiB, and the exchange ends there.
            assertThat(d.getResponseCode()).isEqualTo(500);
            assertThat(d.getError()).doesNotStartWith("Timed out");
            assertThat(d.getResponseBody()).hasSize(16 * 1024);
          }
          if (receiver.behaviour() == HostileReceiver.Behaviour.ENDLESS_HEADER_LINE
              || receiver.behaviour() == HostileReceiver.Behaviour.TOO_MANY_HEADERS) {
            // Refused at the limit (HttpSender.MAX_HEADER_LINE, MAX_HEADER_FIELDS), not read on to the deadline.
            assertThat(d.getError()).startsWith("The answer breaks a limit");
          }
          if (receiver.behaviour() == HostileReceiver.Behaviour.CHUNK_EXTENSIONS) {
            // Stopped at AnswerBudget.MAX_BYTES read (about 260 one-byte chunks), not at the 16 KiB kept (16,384
            // chunks, 128 MiB parsed).
            assertThat(d.getError()).startsWith("The endpoint sent more than 2097152 bytes in answer to one request");
          }
          if (receiver.behaviour() == HostileReceiver.Behaviour.ENDLESS_INFORMATIONAL) {
            // Refused past BoundedBodyConsumer.MAX_INFORMATIONAL, not parsed on to the deadline.
            assertThat(d.getError()).startsWith("The endpoint broke HTTP/1.1: The endpoint sent more than 10");
          }
        });
        // A request sent on a connection the receiver is closing fails before it arrives: still a clean failure.
        assertThat(receiver.requests()).as(receiver.behaviour().name()).isPositive();
        if (receiver.behaviour() == HostileReceiver.Behaviour.ENDLESS_BODY
            || receiver.behaviour() == HostileReceiver.Behaviour.ENDLESS_HEADER_LINE
            || receiver.behaviour() == HostileReceiver.Behaviour.ENDLESS_INFORMATIONAL
            || receiver.behaviour() == HostileReceiver.Behaviour.CHUNK_EXTENSIONS) {
          // The sender closed its end: the endless answer is not read on (it would hold an I/O thread for ever).
          await().atMost(Duration.ofSeconds(15)).until(() -> receiver.openConnections() == 0);
        }
      });
    } finally {
      for (HostileReceiver r : hostile) {
        r.close();
      }
    }
  }
}
