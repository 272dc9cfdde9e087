package com.apindicators.webhooks.server.api;

import static com.apindicators.webhooks.server.OldRows.noonDaysAgo;
import static com.apindicators.webhooks.server.OldRows.partition;
import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.OldRows;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.WatchClient;
import com.apindicators.webhooks.server.store.Retention;
import com.apindicators.webhooks.v1.DeliveryServiceGrpc;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.GetDeliveryRequest;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.apindicators.webhooks.v1.ListDeliveryAttemptsRequest;
import com.apindicators.webhooks.v1.RedeliverDeliveryRequest;
import com.apindicators.webhooks.v1.ResendEventRequest;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import io.grpc.Status;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Retention seen through the API: retired records answer NOT_FOUND saying they aged out; pending ones are kept. */
class RetentionApiTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Receiver receiver = ext.receiver();
  private final Fixtures f = ext.fixtures();
  private final OldRows old = new OldRows(server.db.jdbi());
  private final Retention retention =
      new Retention(server.db.jdbi(), Retention.DEFAULT_DAYS, Retention.DEFAULT_CHANGE_LOG_DAYS);

  @AfterEach
  void stop() throws Exception {
    ext.close(); // the server stops before the days other tests made are retired
    new Retention(server.db.jdbi(), 1, 1).retire();
  }

  private StatusAssert getDelivery(DeliveryServiceGrpc.DeliveryServiceBlockingStub stub, String id) {
    return failing(() -> stub.getDelivery(GetDeliveryRequest.newBuilder().setDeliveryId(id).build()));
  }

  @Test
  void aRetiredDeliveryAnswersNotFoundSayingItAgedOut() {
    String webhookId = f.webhook("acme", receiver.url("/hook"), "signal.buy").getWebhook().getWebhookId();
    String event = old.event("acme", noonDaysAgo(40));
    String id = old.delivery(event, webhookId, noonDaysAgo(40), null);
    retention.retire();

    StatusAssert get = getDelivery(f.deliveries, id);
    assertThat(get.code()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(get.reason()).isEqualTo("DELIVERY_AGED_OUT");
    assertThat(get.message()).contains("30-day retention");
    assertThat(get.errorInfo().getMetadataMap()).containsEntry("retention_days", "30");
    StatusAssert attempts = failing(() -> f.deliveries.listDeliveryAttempts(
        ListDeliveryAttemptsRequest.newBuilder().setDeliveryId(id).build()));
    assertThat(attempts.reason()).isEqualTo("DELIVERY_AGED_OUT");
    assertThat(failing(() -> f.deliveries.redeliverDelivery(RedeliverDeliveryRequest.newBuilder().setDeliveryId(id)
        .build())).reason()).isEqualTo("DELIVERY_AGED_OUT");
    StatusAssert resend = failing(() -> f.events.resendEvent(ResendEventRequest.newBuilder().setEventId(event).build()));
    assertThat(resend.code()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(resend.reason()).isEqualTo("EVENT_AGED_OUT");
  }

  @Test
  void anIdThatNeverExistedAnswersNotFoundAndAgedOutDependsOnTheIdAloneSoItLeaksNoOtherAccount() {
    String webhookId = f.webhook("acme", receiver.url("/hook"), "signal.buy").getWebhook().getWebhookId();
    String young = old.delivery(old.event("acme", noonDaysAgo(2)), webhookId, noonDaysAgo(2), null);
    String retired = old.delivery(old.event("acme", noonDaysAgo(40)), webhookId, noonDaysAgo(40), null);
    retention.retire();
    String madeUpRecent = newId(Instant.now());
    String madeUpOld = newId(noonDaysAgo(45));

    assertThat(getDelivery(f.deliveries, madeUpRecent).reason()).isEqualTo("DELIVERY_NOT_FOUND");
    assertThat(getDelivery(f.deliveries, "dlv_0123456789ab4def8123456789abcdef").reason()).isEqualTo("DELIVERY_NOT_FOUND");
    assertThat(getDelivery(f.deliveries, madeUpOld).reason()).isEqualTo("DELIVERY_AGED_OUT");
    // Another account's key: acme's young delivery is simply not found, and acme's retired one answers as a made-up
    // id of that age would, so neither tells that acme's existed.
    DeliveryServiceGrpc.DeliveryServiceBlockingStub other =
        DeliveryServiceGrpc.newBlockingStub(server.channelForAccount("mallory"));
    assertThat(getDelivery(other, young).reason()).isEqualTo("DELIVERY_NOT_FOUND");
    assertThat(getDelivery(other, retired).reason()).isEqualTo(getDelivery(other, madeUpOld).reason());
    assertThat(getDelivery(other, retired).message()).doesNotContain("acme");
    assertThat(f.delivery(young).getDeliveryId()).isEqualTo(young);
  }

  @Test
  void anIdempotencyKeyHoldsAcrossDaysAndAgainstConcurrentRepeats() throws Exception {
    f.webhook("acme", receiver.url("/hook"), "signal.buy");
    PublishEventRequest keyed = PublishEventRequest.newBuilder().setType("signal.buy").setAccountId("acme")
        .setDataJson("{\"pair\":\"BTCUSDT\"}").setIdempotencyKey("order-1").build();
    String first = f.events.publishEvent(keyed).getEvent().getEventId();
    // As if published yesterday: the key is looked up in every kept day, not only today's partition.
    old.partitionsFor(noonDaysAgo(1));
    server.db.jdbi().useHandle(h -> h.execute("UPDATE events SET create_time = create_time - interval '1 day'"));
    assertThat(f.events.publishEvent(keyed).getEvent().getEventId()).isEqualTo(first);

    // Many repeats of a new key at once make one event (the key's scope is locked while it is looked up).
    PublishEventRequest again = keyed.toBuilder().setIdempotencyKey("order-2").build();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      java.util.List<java.util.concurrent.Future<String>> ids = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) {
        ids.add(pool.submit(() -> f.events.publishEvent(again).getEvent().getEventId()));
      }
      java.util.Set<String> distinct = new java.util.HashSet<>();
      for (java.util.concurrent.Future<String> id : ids) {
        distinct.add(id.get());
      }
      assertThat(distinct).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
    int events = server.db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM events").mapTo(Integer.class).one());
    assertThat(events).isEqualTo(2);
  }

  @Test
  void aResumeTokenOlderThanTheRetiredChangeLogDaysIsOutOfRange() throws Exception {
    f.webhook("acme", receiver.url("/hook"), "signal.buy");
    String token;
    try (WatchClient first = WatchClient.open(server.channel, WatchDeliveriesRequest.newBuilder().setAccountId("acme").build())) {
      await().until(() -> server.server.watchers() == 1);
      f.publish("signal.buy", "{}", "acme");
      await().atMost(Duration.ofSeconds(10)).until(() -> first.received.size() == 2);
      token = first.received.get(0).getResumeToken();
    }
    // As if those changes were made 10 days ago: the 7-day change log retires their day.
    old.partitionsFor(noonDaysAgo(10));
    server.db.jdbi().useHandle(h -> h.execute("UPDATE delivery_changes SET change_time = change_time - interval '10 days'"));
    assertThat(retention.retire()).contains(partition("delivery_changes", noonDaysAgo(10)));

    try (WatchClient late = WatchClient.open(server.channel,
        WatchDeliveriesRequest.newBuilder().setAccountId("acme").setResumeToken(token).build())) {
      await().atMost(Duration.ofSeconds(20)).until(() -> late.error.get() != null);
      Status status = Status.fromThrowable(late.error.get());
      assertThat(status.getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
      assertThat(status.getDescription()).contains("older than the 7 days");
    }
  }

  /**
   * A change's day is its transaction's start, its id is drawn at the end: a transaction begun before midnight can
   * take a later id than one begun after. Retiring its day then removes a change newer than changes kept, and a token
   * from before it must not be honoured (the replay would skip it).
   */
  @Test
  void aTokenFromBeforeAChangeRetiredOutOfOrderIsOutOfRangeAndTheNewestTokenStillResumes() throws Exception {
    f.webhook("acme", receiver.url("/hook"), "signal.buy");
    java.util.List<String> tokens;
    try (WatchClient first = WatchClient.open(server.channel, WatchDeliveriesRequest.newBuilder().setAccountId("acme").build())) {
      await().until(() -> server.server.watchers() == 1);
      f.publish("signal.buy", "{}", "acme");
      f.publish("signal.buy", "{}", "acme");
      await().atMost(Duration.ofSeconds(10)).until(() -> first.received.size() == 4);
      tokens = first.received.stream().map(r -> r.getResumeToken()).toList();
    }
    // The newest change alone moves to a day 10 days ago, which the 7-day change log retires; the others stay.
    old.partitionsFor(noonDaysAgo(10));
    server.db.jdbi().useHandle(h -> h.execute("UPDATE delivery_changes SET change_time = change_time - interval '10 days'"
        + " WHERE change_id = (SELECT max(change_id) FROM delivery_changes)"));
    assertThat(retention.retire()).contains(partition("delivery_changes", noonDaysAgo(10)));
    assertThat(com.apindicators.webhooks.server.TestDatabase.count("SELECT count(*) FROM delivery_changes")).isPositive();

    try (WatchClient late = WatchClient.open(server.channel,
        WatchDeliveriesRequest.newBuilder().setAccountId("acme").setResumeToken(tokens.get(2)).build());
        WatchClient newest = WatchClient.open(server.channel,
            WatchDeliveriesRequest.newBuilder().setAccountId("acme").setResumeToken(tokens.get(3)).build())) {
      await().atMost(Duration.ofSeconds(20)).until(() -> late.error.get() != null);
      assertThat(Status.fromThrowable(late.error.get()).getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
      // Nothing after the newest token is gone: it resumes, and sees the next delivery.
      await().until(() -> server.server.watchers() == 1);
      f.publish("signal.buy", "{}", "acme");
      await().atMost(Duration.ofSeconds(10)).until(() -> newest.received.size() == 2);
      assertThat(newest.error.get()).isNull();
    }
  }

  /**
   * A replay that waits for its client while retention removes changes it has not reached ends with OUT_OF_RANGE,
   * instead of going live past them as if there were none.
   */
  @Test
  void aReplayOutlivedByRetentionEndsOutOfRange() throws Exception {
    // 3,000 changes of a day 10 days ago: more than a stream buffers, so the replay waits for the stalled client.
    old.partitionsFor(noonDaysAgo(10));
    server.db.jdbi().useHandle(h -> h.createUpdate("""
        INSERT INTO delivery_changes (delivery_id, webhook_id, account_id, event_id, event_type, url, status,
            response_code, error, attempt_count, duration_ms, create_time, change_time)
        SELECT 'dlv_' || g, 'wh_old', 'acme', 'evt_' || g, 'signal.buy', 'https://example.com/h', 'DELIVERED', 200, '',
            1, 5, :at, :at
        FROM generate_series(1, 3000) g ORDER BY g
        """).bind("at", Timestamp.from(noonDaysAgo(10))).execute());
    String fromTheStart = new com.apindicators.webhooks.server.api.ResumeTokens(
        new com.apindicators.webhooks.server.security.SealedTokens(server.secrets)).token(1);
    try (WatchClient stalled = WatchClient.stalled(server.channel,
        WatchDeliveriesRequest.newBuilder().setAccountId("acme").setResumeToken(fromTheStart).build())) {
      await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 1);
      assertThat(retention.retire()).contains(partition("delivery_changes", noonDaysAgo(10)));
      stalled.read();
      await().atMost(Duration.ofSeconds(20)).until(() -> stalled.error.get() != null);
      assertThat(stalled.received.size()).as("what it had before the retirement").isLessThan(3000);
      StatusAssert status = new StatusAssert((io.grpc.StatusRuntimeException) stalled.error.get());
      assertThat(status.code()).isEqualTo(Status.Code.OUT_OF_RANGE);
      assertThat(status.reason()).isEqualTo("RESUME_TOKEN_EXPIRED");
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 0);
  }

  private String newId(Instant at) {
    return server.db.jdbi().withHandle(h -> h.createQuery("SELECT webhooks_time_id('dlv_', :at)")
        .bind("at", Timestamp.from(at)).mapTo(String.class).one());
  }

  @Test
  void aDeliveryStillPendingPastRetentionIsKeptAndDeliveredThenRetired() {
    receiver.on("/hook", n -> Receiver.Answer.ok());
    String webhookId = f.webhook("acme", receiver.url("/hook"), "signal.buy").getWebhook().getWebhookId();
    // Made 40 days ago and still retrying: its next attempt is an hour away when retention runs.
    String id = old.delivery(old.event("acme", noonDaysAgo(40)), webhookId, noonDaysAgo(40),
        Instant.now().plus(1, ChronoUnit.HOURS));
    retention.retire();
    assertThat(old.exists(partition("deliveries", noonDaysAgo(40)))).isTrue();
    assertThat(f.delivery(id).getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_PENDING);

    server.db.jdbi().useHandle(h -> h.execute("UPDATE deliveries SET next_attempt_time = now() WHERE delivery_id = ?", id));
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.requests("/hook").size() == 1);
    assertThat(receiver.requests("/hook").get(0).header("x-webhook-id")).isEqualTo(id);
    assertThat(receiver.requests("/hook").get(0).bodyText()).contains("\"pair\":\"BTCUSDT\"");
    await().atMost(Duration.ofSeconds(10)).until(
        () -> f.delivery(id).getStatus() == DeliveryStatus.DELIVERY_STATUS_DELIVERED);
    assertThat(f.delivery(id).getAttemptCount()).isEqualTo(2);

    retention.retire();
    assertThat(old.exists(partition("deliveries", noonDaysAgo(40)))).isFalse();
    assertThat(getDelivery(f.deliveries, id).reason()).isEqualTo("DELIVERY_AGED_OUT");
  }
}
