package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.WatchClient;
import com.apindicators.webhooks.server.registry.Webhooks;
import com.apindicators.webhooks.v1.*;
import com.google.protobuf.FieldMask;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A webhook disabled while an attempt to it is in flight: the attempt is still recorded, and nothing is disabled twice. */
class DisableMidFlightTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private final CountDownLatch release = new CountDownLatch(1);
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Receiver receiver = ext.receiver();
  private final Fixtures f = ext.fixtures();

  @AfterEach
  void stop() {
    release.countDown(); // runs before the extension stops the server, so held answers end first
  }

  private Answer heldThenFailed() {
    try {
      release.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Answer.status(500, "late failure");
  }

  private String webhook(String path) {
    return f.webhook(CreateWebhookRequest.newBuilder().setAccountId("acme").setName("hook").setUrl(receiver.url(path))
        .addEvents("signal.buy").setDisablePolicy(DisablePolicy.newBuilder().setAfterConsecutiveFailures(1)))
        .getWebhook().getWebhookId();
  }

  private Webhook get(String id) {
    return f.webhooks.getWebhook(GetWebhookRequest.newBuilder().setWebhookId(id).build()).getWebhook();
  }

  private Webhook setEnabled(String id, boolean enabled) {
    return f.webhooks.updateWebhook(UpdateWebhookRequest.newBuilder()
        .setWebhook(Webhook.newBuilder().setWebhookId(id).setEnabled(enabled))
        .setUpdateMask(FieldMask.newBuilder().addPaths("enabled")).build()).getWebhook();
  }

  @Test
  void disabledByHandWhileAnAttemptHangsTheFailureIsRecordedAndTheHandsReasonStays() {
    receiver.on("/hang", n -> heldThenFailed());
    String id = webhook("/hang");
    try (WatchClient watch = WatchClient.open(server.channel, WatchDeliveriesRequest.newBuilder().setAccountId("acme").build())) {
      await().until(() -> server.server.watchers() == 1);
      f.publish("signal.buy", "{}", "acme");
      await().atMost(WAIT).until(() -> receiver.requests("/hang").size() == 1);

      Webhook paused = setEnabled(id, false);
      assertThat(paused.getDisabledReason()).isEqualTo(Webhooks.MANUALLY_DISABLED);
      assertThat(paused.hasDisabledTime()).isTrue();
      release.countDown();

      await().atMost(WAIT).until(() -> get(id).getHealth().getConsecutiveFailures() == 1);
      Webhook w = get(id);
      assertThat(w.getHealth().getLastDeliveryStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_FAILED);
      assertThat(w.getDisabledReason()).as("already disabled: the policy does not overwrite").isEqualTo(Webhooks.MANUALLY_DISABLED);
      assertThat(w.getDisabledTime()).isEqualTo(paused.getDisabledTime());
      await().atMost(WAIT).until(() -> watch.received.size() == 2);
      assertThat(watch.received).noneMatch(WatchDeliveriesResponse::hasWebhookDisabled);
    }
    Webhook resumed = setEnabled(id, true);
    assertThat(resumed.getDisabledReason()).isEmpty();
    assertThat(resumed.getHealth().getConsecutiveFailures()).isZero();
  }

  @Test
  void disabledByItsPolicyWhileAnotherAttemptHangsThatAttemptIsRecordedWithoutASecondNotice() {
    CountDownLatch bothPublished = new CountDownLatch(1);
    receiver.on("/half", n -> {
      if (n > 1) {
        return heldThenFailed();
      }
      try {
        bothPublished.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Answer.status(500, "first");
    });
    String id = webhook("/half");
    try (WatchClient watch = WatchClient.open(server.channel, WatchDeliveriesRequest.newBuilder().setAccountId("acme").build())) {
      await().until(() -> server.server.watchers() == 1);
      assertThat(f.publish("signal.buy", "{}", "acme").getDeliveriesCreated()).isEqualTo(1);
      assertThat(f.publish("signal.buy", "{}", "acme").getDeliveriesCreated()).isEqualTo(1);
      bothPublished.countDown();
      await().atMost(WAIT).until(() -> !get(id).getEnabled());
      await().atMost(WAIT).until(() -> receiver.requests("/half").size() == 2);
      String reason = get(id).getDisabledReason();
      assertThat(reason).contains("1 deliveries in a row failed");
      release.countDown();

      await().atMost(WAIT).until(() -> get(id).getHealth().getRecentAttempts() == 2);
      Webhook w = get(id);
      assertThat(w.getHealth().getConsecutiveFailures()).isEqualTo(2);
      assertThat(w.getDisabledReason()).isEqualTo(reason);
      await().atMost(WAIT).until(() -> watch.received.size() == 4);
      assertThat(watch.received.stream().filter(WatchDeliveriesResponse::hasWebhookDisabled).count()).isEqualTo(1);
    }
  }
}
