package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.config.Limits;
import com.apindicators.webhooks.v1.RedeliverDeliveryRequest;
import com.google.protobuf.util.Durations;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PublishRateLimitTest {
  // 3 at once, then one per 1,000 s: the test's own calls, however slow the machine, cannot earn a token back.
  @RegisterExtension final ServerExtension ext =
      new ServerExtension(GrpcTestServer.LOOPBACK.withLimits(new Limits(0.001, 3, 100)));
  private final GrpcTestServer server = ext.server();

  @Test
  void anAccountPublishingBeyondItsRateGetsResourceExhaustedWithRetryInfoAndOthersAreUnaffected() {
    Fixtures hostile = new Fixtures(server.channelForAccount("flood"));
    Fixtures other = new Fixtures(server.channelForAccount("calm"));
    for (int i = 0; i < 3; i++) {
      hostile.publish("signal.buy", "{}", "flood");
    }
    StatusAssert limited = StatusAssert.failing(() -> hostile.publish("signal.buy", "{}", "flood"));
    assertThat(limited.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(limited.reason()).isEqualTo("PUBLISH_RATE_EXCEEDED");
    assertThat(limited.message()).contains("flood").contains("retry");
    long delayMs = Durations.toMillis(limited.detail(RetryInfo.class).getRetryDelay());
    assertThat(delayMs).isBetween(1L, 1_000_000L);
    // An admin key publishing for the same account is held to the same bucket: the limit is the account's.
    assertThat(StatusAssert.failing(() -> new Fixtures(server.channel).publish("signal.buy", "{}", "flood")).reason())
        .isEqualTo("PUBLISH_RATE_EXCEEDED");

    for (int i = 0; i < 3; i++) {
      assertThat(other.publish("signal.buy", "{}", "calm").getEvent().getAccountId()).isEqualTo("calm");
    }
    // Broadcasts have a bucket of their own.
    assertThat(new Fixtures(server.channel).publish("signal.buy", "{}", "").getEvent().getAccountId()).isEmpty();
  }

  @Test
  void redeliveriesTakeFromTheAccountsPublishRate() {
    Fixtures looping = new Fixtures(server.channelForAccount("loop"));
    // Port 9 on loopback refuses: each attempt fails at once, and the delivery can be redelivered again.
    new Fixtures(server.channel).webhook("loop", "http://127.0.0.1:9/hook", "signal.buy");
    looping.publish("signal.buy", "{}", "loop");
    String id = TestDatabase.get().jdbi().withHandle(h -> h.createQuery("SELECT delivery_id FROM deliveries")
        .mapTo(String.class).one());
    RedeliverDeliveryRequest again = RedeliverDeliveryRequest.newBuilder().setDeliveryId(id).build();
    for (int i = 0; i < 2; i++) {
      awaitFinished(id);
      looping.deliveries.redeliverDelivery(again);
    }
    awaitFinished(id);
    StatusAssert limited = StatusAssert.failing(() -> looping.deliveries.redeliverDelivery(again));
    assertThat(limited.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(limited.reason()).isEqualTo("PUBLISH_RATE_EXCEEDED");
    assertThat(TestDatabase.count("SELECT count(*) FROM delivery_attempt_log")).isEqualTo(3);
    assertThat(StatusAssert.failing(() -> looping.publish("signal.buy", "{}", "loop")).reason())
        .as("the same bucket as publishes").isEqualTo("PUBLISH_RATE_EXCEEDED");
  }

  private static void awaitFinished(String deliveryId) {
    await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count("SELECT count(*) FROM deliveries"
        + " WHERE status <> 'PENDING' AND delivery_id = '" + deliveryId + "'") == 1);
  }
}
