package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.v1.Delivery;
import com.apindicators.webhooks.v1.DeliveryStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A receiver that hangs must not hold up the others, and fails after the 10 s the docs promise. */
class SlowEndpointTest {
  @Test
  void hangingEndpointHoldsOnlyItsOwnSlotsAndTimesOutAfterTenSeconds() throws Exception {
    // 8 slots in all, 2 per endpoint: the hanging endpoint can take at most 2.
    ServerConfig config = new ServerConfig(0, null, null, true, 8, Duration.ofSeconds(60));
    try (GrpcTestServer server = GrpcTestServer.start(config); Receiver hanging = new Receiver(); Receiver fast = new Receiver()) {
      hanging.on("/hang", n -> new Answer(200, "late", Map.of(), 12_000));
      Fixtures f = new Fixtures(server.channel);
      String slow = f.webhook("s", hanging.url("/hang"), "signal.buy").getWebhook().getWebhookId();
      f.webhook("s", fast.url("/fast"), "signal.buy");
      for (int i = 0; i < 10; i++) {
        f.publish("signal.buy", "{\"n\":" + i + "}", "s");
      }
      // The fast ones arrive while the hanging ones still hang (12 s, beyond the 10 s timeout): not behind them.
      await().atMost(Duration.ofSeconds(9)).until(() -> fast.requests("/fast").size() == 10);
      assertThat(f.deliveriesOf(slow)).allMatch(d -> d.getStatus() == DeliveryStatus.DELIVERY_STATUS_PENDING);
      assertThat(hanging.requests("/hang")).hasSizeLessThanOrEqualTo(2);

      await().atMost(Duration.ofSeconds(20)).until(() ->
          f.deliveriesOf(slow).stream().filter(d -> d.getStatus() == DeliveryStatus.DELIVERY_STATUS_FAILED).count() >= 1);
      Delivery failed = f.deliveriesOf(slow).stream()
          .filter(d -> d.getStatus() == DeliveryStatus.DELIVERY_STATUS_FAILED).findFirst().orElseThrow();
      assertThat(failed.getError()).contains("Timed out").contains("10 s");
      assertThat(failed.getResponseCode()).isZero();
      assertThat(failed.getDuration().getSeconds()).isBetween(9L, 15L);
      List<Delivery> all = f.deliveriesOf(slow);
      assertThat(all).hasSize(10);
    }
  }
}
