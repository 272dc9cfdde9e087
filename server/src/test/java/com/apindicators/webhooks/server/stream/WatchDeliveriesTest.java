package com.apindicators.webhooks.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.WatchClient;
import com.apindicators.webhooks.server.api.ResumeTokens;
import com.apindicators.webhooks.server.security.SealedTokens;
import com.apindicators.webhooks.v1.Delivery;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import com.apindicators.webhooks.v1.WatchDeliveriesResponse;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WatchDeliveriesTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Receiver receiver = ext.receiver();
  private final Fixtures f = ext.fixtures();

  private static WatchDeliveriesRequest.Builder watch() {
    return WatchDeliveriesRequest.newBuilder();
  }

  @Test
  void streamsEachDeliveryPendingThenDeliveredWithItsSnapshot() throws Exception {
    receiver.on("/ok", n -> Answer.status(202, "accepted"));
    String w = f.webhook("acme", receiver.url("/ok"), "signal.buy").getWebhook().getWebhookId();
    try (WatchClient watch = WatchClient.open(server.channel, watch().setAccountId("acme").build())) {
      await().until(() -> server.server.watchers() == 1);
      f.publish("signal.buy", "{\"pair\":\"BTCUSDT\"}", "acme");
      await().atMost(Duration.ofSeconds(10)).until(() -> watch.received.size() == 2);
      Delivery pending = watch.received.get(0).getDelivery();
      Delivery delivered = watch.received.get(1).getDelivery();
      assertThat(pending.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_PENDING);
      assertThat(pending.getAttemptCount()).isZero();
      assertThat(delivered.getDeliveryId()).isEqualTo(pending.getDeliveryId());
      assertThat(delivered.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
      assertThat(delivered.getResponseCode()).isEqualTo(202);
      assertThat(delivered.getAttemptCount()).isEqualTo(1);
      assertThat(delivered.getWebhookId()).isEqualTo(w);
      assertThat(delivered.getEventType()).isEqualTo("signal.buy");
      assertThat(delivered.hasDuration()).isTrue();
      assertThat(watch.received).extracting(WatchDeliveriesResponse::getResumeToken).doesNotHaveDuplicates().allMatch(t -> !t.isEmpty());
    }
    await().until(() -> server.server.watchers() == 0);
  }

  @Test
  void filtersByAccountWebhookEventTypeAndStatus() throws Exception {
    receiver.on("/fail", n -> Answer.status(500, ""));
    String a1 = f.webhook("a", receiver.url("/a1"), "signal.buy", "order.filled").getWebhook().getWebhookId();
    String a2 = f.webhook("a", receiver.url("/fail"), "signal.buy").getWebhook().getWebhookId();
    f.webhook("b", receiver.url("/b"), "signal.buy", "order.filled");
    try (WatchClient byAccount = WatchClient.open(server.channel, watch().setAccountId("a").build());
        WatchClient byWebhook = WatchClient.open(server.channel, watch().addWebhookIds(a1).build());
        WatchClient byType = WatchClient.open(server.channel, watch().addEventTypes("order.filled").build());
        WatchClient failedOnly = WatchClient.open(server.channel, watch().addStatuses(DeliveryStatus.DELIVERY_STATUS_FAILED).build());
        WatchClient everything = WatchClient.open(server.channel, watch().build())) {
      await().until(() -> server.server.watchers() == 5);
      f.publish("signal.buy", "{}", "");
      f.publish("order.filled", "{}", "a");
      f.publish("order.filled", "{}", "b");
      // signal.buy: 3 deliveries, order.filled: 1 + 1; each pending then final.
      await().atMost(Duration.ofSeconds(10)).until(() -> everything.received.size() == 10);
      // Each stream is sent on its own: all of them, not only everything's, are awaited.
      await().atMost(Duration.ofSeconds(10)).until(() -> byAccount.received.size() == 6
          && failedOnly.received.size() == 1 && byWebhook.received.size() == 4 && byType.received.size() == 4);
      assertThat(byAccount.received).allMatch(r -> r.getDelivery().getAccountId().equals("a"));
      assertThat(byWebhook.received).hasSize(4).allMatch(r -> r.getDelivery().getWebhookId().equals(a1));
      assertThat(byType.received).hasSize(4).allMatch(r -> r.getDelivery().getEventType().equals("order.filled"));
      assertThat(failedOnly.received).singleElement().satisfies(r -> {
        assertThat(r.getDelivery().getWebhookId()).isEqualTo(a2);
        assertThat(r.getDelivery().getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_FAILED);
        assertThat(r.getDelivery().getResponseCode()).isEqualTo(500);
      });
    }
  }

  @Test
  void resumingWithTheLastTokenMissesNothingAndRepeatsNothingWhileDeliveriesFlow() throws Exception {
    List<String> hooks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      hooks.add(f.webhook("r", receiver.url("/r" + i), "signal.sell").getWebhook().getWebhookId());
    }
    // Half the events while the first watcher watches, the other half only once it has gone: deliveries then
    // flow while nobody watches, however fast the first half was delivered.
    java.util.concurrent.CountDownLatch gone = new java.util.concurrent.CountDownLatch(1);
    Thread publisher = new Thread(() -> {
      for (int i = 0; i < 40; i++) {
        if (i == 20) {
          try {
            gone.await();
          } catch (InterruptedException e) {
            return;
          }
        }
        f.publish("signal.sell", "{\"n\":" + i + "}", "r");
      }
    });
    publisher.setDaemon(true);
    List<WatchDeliveriesResponse> seen = new ArrayList<>();
    WatchClient first = WatchClient.open(server.channel, watch().setAccountId("r").build());
    await().until(() -> server.server.watchers() == 1);
    publisher.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> first.received.size() >= 60);
    first.close();
    gone.countDown();
    seen.addAll(first.received);
    String token = seen.get(seen.size() - 1).getResumeToken();
    // Deliveries keep flowing while nobody watches, then we resume.
    int watched = seen.size();
    await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count(TestDatabase.COUNT_CHANGES) > watched + 20);
    try (WatchClient second = WatchClient.open(server.channel, watch().setAccountId("r").setResumeToken(token).build())) {
      publisher.join();
      await().atMost(Duration.ofSeconds(20)).until(
          () -> TestDatabase.count("SELECT count(*) FROM deliveries WHERE status = 'DELIVERED'") == 200);
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() + second.received.size() == 400);
      seen.addAll(second.received);
    }
    List<String> tokens = seen.stream().map(WatchDeliveriesResponse::getResumeToken).toList();
    assertThat(tokens).doesNotHaveDuplicates();
    Map<String, List<DeliveryStatus>> perDelivery = seen.stream().collect(Collectors.groupingBy(
        r -> r.getDelivery().getDeliveryId(), Collectors.mapping(r -> r.getDelivery().getStatus(), Collectors.toList())));
    assertThat(perDelivery).hasSize(200);
    assertThat(perDelivery.values()).allMatch(
        s -> s.equals(List.of(DeliveryStatus.DELIVERY_STATUS_PENDING, DeliveryStatus.DELIVERY_STATUS_DELIVERED)));
  }

  /**
   * The result writer holds the creation of a delivery it sends for its first outcome (up to 1 s), and logs both as
   * one change-log row: B, whose endpoint answers at once. A's endpoint answers after 8 s: its creation is logged
   * alone once its wait is over.
   */
  @Test
  void aCreationAndOutcomeLoggedTogetherStreamAsTwoUpdatesEachResumable() throws Exception {
    receiver.on("/late", n -> new Answer(200, "late", Map.of(), 8_000));
    f.webhook("m", receiver.url("/late"), "signal.buy");
    f.webhook("m", receiver.url("/fast"), "order.filled");
    List<String> live = new ArrayList<>();
    List<String> tokens = new ArrayList<>();
    List<Delivery> updates = new ArrayList<>();
    try (WatchClient watch = WatchClient.open(server.channel, watch().setAccountId("m").build())) {
      await().until(() -> server.server.watchers() == 1);
      String a = f.publish("signal.buy", "{}", "m").getEvent().getEventId();
      String b = f.publish("order.filled", "{}", "m").getEvent().getEventId();
      await().atMost(Duration.ofSeconds(10)).until(() -> watch.received.size() == 3);
      watch.received.forEach(r -> {
        live.add((r.getDelivery().getEventId().equals(a) ? "A " : r.getDelivery().getEventId().equals(b) ? "B " : "? ")
            + r.getDelivery().getStatus());
        tokens.add(r.getResumeToken());
        updates.add(r.getDelivery());
      });
    }
    assertThat(live).containsExactly("B DELIVERY_STATUS_PENDING", "B DELIVERY_STATUS_DELIVERED",
        "A DELIVERY_STATUS_PENDING");
    assertThat(TestDatabase.count("SELECT count(*) FROM delivery_changes WHERE created_too")).as("B's one row").isEqualTo(1);
    assertThat(TestDatabase.count("SELECT count(*) FROM delivery_changes")).isEqualTo(2);
    assertThat(com.apindicators.webhooks.server.config.Scrape.of(server.server.metrics())
        .value("webhooks_creations_logged_with_outcome_total")).isEqualTo(1);
    // Resumed after B's creation: B's outcome, then A's creation, as the live watcher got them; after B's outcome: A's.
    try (WatchClient afterCreation = WatchClient.open(server.channel, watch().setAccountId("m").setResumeToken(tokens.get(0)).build());
        WatchClient afterOutcome = WatchClient.open(server.channel, watch().setAccountId("m").setResumeToken(tokens.get(1)).build())) {
      await().atMost(Duration.ofSeconds(10)).until(() -> afterCreation.received.size() >= 2 && afterOutcome.received.size() >= 1);
      assertThat(afterCreation.received.subList(0, 2)).extracting(WatchDeliveriesResponse::getDelivery)
          .containsExactly(updates.get(1), updates.get(2));
      assertThat(afterOutcome.received.get(0).getDelivery()).isEqualTo(updates.get(2));
    }
  }

  @Test
  void aClientThatNeverReadsIsCutOffWithoutSlowingDeliveries() throws Exception {
    for (int i = 0; i < 60; i++) {
      f.webhook("s", receiver.url("/s" + i), "signal.buy");
    }
    try (WatchClient stalled = WatchClient.stalled(server.channel, watch().build());
        WatchClient reader = WatchClient.open(server.channel, watch().build())) {
      await().until(() -> server.server.watchers() == 2);
      for (int i = 0; i < 10; i++) {
        f.publish("signal.buy", "{}", "");
      }
      await().atMost(Duration.ofSeconds(20)).until(
          () -> TestDatabase.count("SELECT count(*) FROM deliveries WHERE status = 'DELIVERED'") == 600);
      await().atMost(Duration.ofSeconds(10)).until(() -> reader.received.size() == 1200);
      await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 1);
      stalled.close();
    }
  }

  @Test
  void aCutOffClientIsToldToResumeWithItsToken() throws Exception {
    for (int i = 0; i < 60; i++) {
      f.webhook("s", receiver.url("/s" + i), "signal.buy");
    }
    WatchClient stalled = WatchClient.stalled(server.channel, watch().build());
    await().until(() -> server.server.watchers() == 1);
    for (int i = 0; i < 10; i++) {
      f.publish("signal.buy", "{}", "");
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 0);
    await().atMost(Duration.ofSeconds(10)).until(() -> stalled.error.get() != null);
    Status status = Status.fromThrowable(stalled.error.get());
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains("fell more than 1000 updates behind").contains("resume_token");
    assertThat(com.apindicators.webhooks.server.config.Scrape.of(server.server.metrics())
        .value("webhooks_watchers_fell_behind_total")).isEqualTo(1);
  }

  @Test
  void aPassedDeadlineRemovesTheWatcher() throws Exception {
    WatchClient watch = WatchClient.openWithDeadline(server.channel, watch().build(), 300);
    await().atMost(Duration.ofSeconds(20)).until(() -> watch.error.get() != null);
    assertThat(Status.fromThrowable(watch.error.get()).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 0);
  }

  @Test
  void badTokensAreRejectedClearly() throws Exception {
    try (WatchClient bad = WatchClient.open(server.channel, watch().setResumeToken("not-a-token").build());
        WatchClient future = WatchClient.open(server.channel, watch().setResumeToken(
            new ResumeTokens(new SealedTokens(server.secrets)).token(999999)).build());
        WatchClient legacy = WatchClient.open(server.channel, watch().setResumeToken(
            java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("chg1:0".getBytes())).build());
        WatchClient badType = WatchClient.open(server.channel, watch().addEventTypes("signal.hold").build())) {
      await().until(() -> bad.error.get() != null && future.error.get() != null && badType.error.get() != null
          && legacy.error.get() != null);
      assertThat(Status.fromThrowable(bad.error.get()).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(Status.fromThrowable(bad.error.get()).getDescription()).contains("resume_token");
      assertThat(Status.fromThrowable(future.error.get()).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(Status.fromThrowable(badType.error.get()).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      // Tokens from before they were sealed named a global position anyone could forge: not honoured.
      assertThat(Status.fromThrowable(legacy.error.get()).getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
    }
    assertThat(server.server.watchers()).isZero();
  }

  @Test
  void aTokenOlderThanTheKeptChangesIsOutOfRange() throws Exception {
    f.webhook("old", receiver.url("/o"), "signal.buy");
    String token;
    try (WatchClient first = WatchClient.open(server.channel, watch().setAccountId("old").build())) {
      await().until(() -> server.server.watchers() == 1);
      f.publish("signal.buy", "{}", "old");
      await().atMost(Duration.ofSeconds(10)).until(() -> first.received.size() == 2);
      token = first.received.get(0).getResumeToken();
    }
    server.db.jdbi().useHandle(h -> { // as retention does (see RetentionApiTest for the real thing)
      h.execute("UPDATE delivery_changes_pruned SET through = (SELECT max(change_id) FROM delivery_changes)");
      h.execute("DELETE FROM delivery_changes");
    });
    try (WatchClient late = WatchClient.open(server.channel, watch().setAccountId("old").setResumeToken(token).build())) {
      await().atMost(Duration.ofSeconds(20)).until(() -> late.error.get() != null);
      Status status = Status.fromThrowable(late.error.get());
      assertThat(status.getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
      assertThat(status.getDescription()).contains("older than the 7 days");
    }
  }

  @Test
  void serverShutdownEndsStreamsWithUnavailable() throws Exception {
    WatchClient watch = WatchClient.open(server.channel, watch().build());
    await().until(() -> server.server.watchers() == 1);
    server.server.stop();
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.error.get() != null);
    assertThat(Status.fromThrowable(watch.error.get()).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(Status.fromThrowable(watch.error.get()).getDescription()).contains("resume_token");
  }
}
