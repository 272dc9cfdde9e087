package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.WatchClient;
import com.apindicators.webhooks.v1.*;
import com.google.protobuf.FieldMask;
import com.google.protobuf.util.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Per-webhook health figures kept by the result writer, and disable policies acting on them. */
class EndpointHealthTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Receiver receiver = ext.receiver();
  private final Fixtures f = ext.fixtures();

  private String webhook(String account, String path, DisablePolicy policy) {
    CreateWebhookRequest.Builder r = CreateWebhookRequest.newBuilder().setAccountId(account).setName("hook")
        .setUrl(receiver.url(path)).addEvents("signal.buy");
    if (policy != null) {
      r.setDisablePolicy(policy);
    }
    return f.webhook(r).getWebhook().getWebhookId();
  }

  private Webhook get(String id) {
    return f.webhooks.getWebhook(GetWebhookRequest.newBuilder().setWebhookId(id).build()).getWebhook();
  }

  private static DisablePolicy afterFailures(int n) {
    return DisablePolicy.newBuilder().setAfterConsecutiveFailures(n).build();
  }

  /** Publishes one event to the account and waits until its delivery is complete. */
  private Delivery deliverOne(String account, String webhookId) {
    PublishEventResponse p = f.publish("signal.buy", "{\"pair\":\"BTCUSDT\"}", account);
    assertThat(p.getDeliveriesCreated()).isEqualTo(1);
    return await().atMost(WAIT).until(() -> f.deliveriesOf(webhookId).get(0),
        d -> d.getEventId().equals(p.getEvent().getEventId()) && d.getStatus() != DeliveryStatus.DELIVERY_STATUS_PENDING);
  }

  private Webhook enable(String id) {
    return f.webhooks.updateWebhook(UpdateWebhookRequest.newBuilder()
        .setWebhook(Webhook.newBuilder().setWebhookId(id).setEnabled(true))
        .setUpdateMask(FieldMask.newBuilder().addPaths("enabled")).build()).getWebhook();
  }

  @Test
  void getAndListShowTheLastStatusTheSuccessRateAndTheDurationsOfTheLastHundredAttempts() {
    // Every 4th answer fails; the 10th waits 200 ms, so the slowest attempt took at least that long.
    receiver.on("/mixed", n -> n % 4 == 0 ? Answer.status(500, "no") : n == 10 ? new Answer(200, "ok", Map.of(), 200) : Answer.ok());
    String id = webhook("acme", "/mixed", null);
    for (int i = 1; i <= 12; i++) {
      deliverOne("acme", id);
    }
    WebhookHealth h = await().atMost(WAIT).until(() -> get(id).getHealth(), x -> x.getRecentAttempts() == 12);
    assertThat(h.getSuccessRate()).isEqualTo(9 / 12.0);
    assertThat(h.getLastDeliveryStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_FAILED);
    assertThat(h.getConsecutiveFailures()).isEqualTo(1);
    assertThat(h.hasFailingSinceTime()).isTrue();
    assertThat(h.hasLastDeliveryTime()).isTrue();
    assertThat(Durations.toMillis(h.getP99Duration())).isGreaterThanOrEqualTo(200);
    assertThat(Durations.toMillis(h.getP50Duration())).isLessThanOrEqualTo(Durations.toMillis(h.getP99Duration()));
    Webhook listed = f.webhooks.listWebhooks(ListWebhooksRequest.newBuilder().setAccountId("acme").build()).getWebhooks(0);
    assertThat(listed.getHealth()).isEqualTo(h);

    deliverOne("acme", id); // the 13th answer: 200
    WebhookHealth after = get(id).getHealth();
    assertThat(after.getLastDeliveryStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
    assertThat(after.getConsecutiveFailures()).isZero();
    assertThat(after.hasFailingSinceTime()).isFalse();
    assertThat(get(id).getEnabled()).as("no policy: never disabled").isTrue();
  }

  @Test
  void theRateCoversOnlyTheLastHundredAttempts() {
    // 20 failures, then 100 successes: the failures fall out of the window. The successes are published once the
    // failures are all recorded: attempts in flight together may be recorded in any order.
    receiver.on("/recovering", n -> n <= 20 ? Answer.status(503, "") : Answer.ok());
    String id = webhook("acme", "/recovering", null);
    for (int i = 0; i < 20; i++) {
      f.publish("signal.buy", "{}", "acme");
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> get(id).getHealth().getRecentAttempts() == 20);
    for (int i = 0; i < 100; i++) {
      f.publish("signal.buy", "{}", "acme");
    }
    WebhookHealth h = await().atMost(Duration.ofSeconds(30)).until(() -> get(id).getHealth(),
        x -> x.getRecentAttempts() == 100 && x.getSuccessRate() == 1.0);
    assertThat(TestDatabase.count("SELECT cardinality(recent_ok) + cardinality(recent_ms) FROM webhook_health")).isEqualTo(200);
    assertThat(h.getLastDeliveryStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
  }

  @Test
  void retriesCountAsAttemptsButOnlyTheFinalStatusAsAFailedDelivery() {
    receiver.on("/flaky", n -> n % 2 == 1 ? Answer.status(500, "") : Answer.ok());
    String id = f.webhook(CreateWebhookRequest.newBuilder().setAccountId("acme").setName("hook")
        .setUrl(receiver.url("/flaky")).addEvents("signal.buy").setDisablePolicy(afterFailures(1))
        .setRetryPolicy(RetryPolicy.newBuilder().setMaxAttempts(2).setInitialBackoff(Durations.fromMillis(100)))).getWebhook().getWebhookId();
    for (int i = 0; i < 3; i++) {
      assertThat(deliverOne("acme", id).getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
    }
    WebhookHealth h = await().atMost(WAIT).until(() -> get(id).getHealth(), x -> x.getRecentAttempts() == 6);
    assertThat(h.getSuccessRate()).isEqualTo(0.5);
    assertThat(h.getConsecutiveFailures()).isZero();
    assertThat(get(id).getEnabled()).as("each delivery was delivered on its retry").isTrue();
  }

  @Test
  void consecutiveFailedDeliveriesDisableTheWebhookWithAReasonAndOneStreamNoticeThenEnablingClearsIt() {
    AtomicBoolean down = new AtomicBoolean(true);
    receiver.on("/down", n -> down.get() ? Answer.status(502, "bad gateway") : Answer.ok());
    String id = webhook("acme", "/down", afterFailures(3));
    try (WatchClient watch = WatchClient.open(server.channel, WatchDeliveriesRequest.newBuilder().setAccountId("acme").build())) {
      await().until(() -> server.server.watchers() == 1);
      deliverOne("acme", id);
      deliverOne("acme", id);
      assertThat(get(id).getEnabled()).isTrue();
      assertThat(get(id).getHealth().getConsecutiveFailures()).isEqualTo(2);
      Delivery third = deliverOne("acme", id);

      Webhook disabled = get(id);
      assertThat(disabled.getEnabled()).isFalse();
      assertThat(disabled.getDisabledReason()).contains("3 deliveries in a row failed").contains("502")
          .contains("set enabled to true");
      assertThat(disabled.hasDisabledTime()).isTrue();
      assertThat(disabled.getHealth().getConsecutiveFailures()).isEqualTo(3);

      // Two updates per delivery as before (pending, failed); the third's failed update carries the notice.
      await().atMost(WAIT).until(() -> watch.received.size() == 6);
      List<WatchDeliveriesResponse> notices = watch.received.stream().filter(WatchDeliveriesResponse::hasWebhookDisabled).toList();
      assertThat(notices).hasSize(1);
      WatchDeliveriesResponse notice = notices.get(0);
      assertThat(notice.getDelivery().getDeliveryId()).isEqualTo(third.getDeliveryId());
      assertThat(notice.getDelivery().getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_FAILED);
      assertThat(notice.getWebhookDisabled().getWebhookId()).isEqualTo(id);
      assertThat(notice.getWebhookDisabled().getDisabledReason()).isEqualTo(disabled.getDisabledReason());
      assertThat(notice.getWebhookDisabled().getDisabledTime()).isEqualTo(disabled.getDisabledTime());

      // A watch resuming from before the notice replays it from the change log.
      String before = watch.received.get(4).getResumeToken();
      try (WatchClient replay = WatchClient.open(server.channel,
          WatchDeliveriesRequest.newBuilder().setAccountId("acme").setResumeToken(before).build())) {
        await().atMost(WAIT).until(() -> replay.received.size() == 1);
        assertThat(replay.received.get(0).getWebhookDisabled()).isEqualTo(notice.getWebhookDisabled());
      }
    }
    assertThat(f.publish("signal.buy", "{}", "acme").getDeliveriesCreated()).as("disabled: no new deliveries").isZero();

    down.set(false);
    Webhook enabled = enable(id);
    assertThat(enabled.getEnabled()).isTrue();
    assertThat(enabled.getDisabledReason()).isEmpty();
    assertThat(enabled.hasDisabledTime()).isFalse();
    assertThat(enabled.getHealth().getConsecutiveFailures()).isZero();
    assertThat(enabled.getHealth().hasFailingSinceTime()).isFalse();
    assertThat(enabled.getHealth().getRecentAttempts()).as("the attempts stay on record").isEqualTo(3);
    assertThat(deliverOne("acme", id).getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
  }

  @Test
  void aDeliveredOneBetweenFailuresStartsTheCountAgain() {
    receiver.on("/wobbly", n -> n == 3 ? Answer.ok() : Answer.status(500, ""));
    String id = webhook("acme", "/wobbly", afterFailures(3));
    for (int i = 0; i < 4; i++) {
      deliverOne("acme", id);
    }
    assertThat(get(id).getEnabled()).isTrue();
    assertThat(get(id).getHealth().getConsecutiveFailures()).isEqualTo(1);
    deliverOne("acme", id);
    deliverOne("acme", id);
    assertThat(get(id).getEnabled()).isFalse();
  }

  @Test
  void failingForAPeriodDisablesOnTheNextFailureAfterIt() {
    receiver.on("/down", n -> Answer.status(500, "down"));
    String id = webhook("acme", "/down", DisablePolicy.newBuilder().setAfterFailingFor(Durations.fromDays(5)).build());
    deliverOne("acme", id);
    deliverOne("acme", id);
    assertThat(get(id).getEnabled()).as("failing for seconds, not 5 days").isTrue();
    // Five days pass (the run of failures began earlier than it did).
    server.db.jdbi().useHandle(h -> h.execute(
        "UPDATE webhook_health SET failing_since = failing_since - interval '5 days 1 minute'"));
    deliverOne("acme", id);
    Webhook w = get(id);
    assertThat(w.getEnabled()).isFalse();
    assertThat(w.getDisabledReason()).contains("every delivery failed for 5 days");
  }

  @Test
  void oneAccountsFailuresNeitherMoveAnotherAccountsFiguresNorDisableItsWebhook() {
    receiver.on("/down", n -> Answer.status(500, ""));
    String failing = webhook("mallory", "/down", afterFailures(1));
    String healthy = webhook("alice", "/up", afterFailures(1));
    try (WatchClient alicesWatch = WatchClient.open(server.channelForAccount("alice"), WatchDeliveriesRequest.newBuilder().build())) {
      await().until(() -> server.server.watchers() == 1);
      deliverOne("mallory", failing);
      deliverOne("alice", healthy);
      // A broadcast reaches both: still only mallory's webhook is affected.
      f.publish("signal.buy", "{}", "");
      await().atMost(WAIT).until(() -> get(healthy).getHealth().getRecentAttempts() == 2);
      assertThat(get(failing).getEnabled()).isFalse();
      Webhook h = get(healthy);
      assertThat(h.getEnabled()).isTrue();
      assertThat(h.getHealth().getSuccessRate()).isEqualTo(1.0);
      assertThat(h.getHealth().getConsecutiveFailures()).isZero();
      await().atMost(WAIT).until(() -> alicesWatch.received.size() == 4);
      assertThat(alicesWatch.received).noneMatch(WatchDeliveriesResponse::hasWebhookDisabled);
      assertThat(alicesWatch.received).allMatch(r -> r.getDelivery().getWebhookId().equals(healthy));
    }
    // Alice's key can neither see nor re-enable mallory's webhook, nor reset its figures.
    WebhookServiceGrpc.WebhookServiceBlockingStub alice = WebhookServiceGrpc.newBlockingStub(server.channelForAccount("alice"));
    assertThat(com.apindicators.webhooks.server.StatusAssert.failing(() -> alice.getWebhook(
        GetWebhookRequest.newBuilder().setWebhookId(failing).build())).code()).isEqualTo(io.grpc.Status.Code.NOT_FOUND);
    assertThat(com.apindicators.webhooks.server.StatusAssert.failing(() -> alice.updateWebhook(UpdateWebhookRequest.newBuilder()
        .setWebhook(Webhook.newBuilder().setWebhookId(failing).setEnabled(true))
        .setUpdateMask(FieldMask.newBuilder().addPaths("enabled")).build())).code()).isEqualTo(io.grpc.Status.Code.NOT_FOUND);
    Webhook stillDisabled = get(failing);
    assertThat(stillDisabled.getEnabled()).isFalse();
    assertThat(stillDisabled.getHealth().getConsecutiveFailures()).as("disabled before the broadcast").isEqualTo(1);
  }
}
