package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.HangingEndpoint;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.config.Limits;
import com.apindicators.webhooks.server.config.ServerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Hanging endpoints and big backlogs delay only their own account and endpoint: fair shares per endpoint and per
 * account, backlogs waiting in the database, and no delivery started on a lease about to run out.
 */
class DeliveryFairnessTest {
  private static final String SIGNAL = "{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"score\":0.87}";

  @Test
  void fastWebhooksAreAllDeliveredWhileSixteenHangingEndpointsStillHang() throws Exception {
    // The attempt timeout is long so that "the hanging ones still hang" holds for the whole test.
    ServerConfig config = ServerConfig.defaults().withAllowPrivateTargets(true).withAttemptTimeout(Duration.ofSeconds(60));
    List<HangingEndpoint> hanging = new ArrayList<>();
    try (GrpcTestServer server = GrpcTestServer.start(config); Receiver fast = new Receiver()) {
      try {
        Fixtures f = new Fixtures(server.channel);
        for (int i = 0; i < 16; i++) {
          HangingEndpoint h = new HangingEndpoint();
          hanging.add(h);
          for (int w = 0; w < 4; w++) {
            f.webhook("hanging", h.url("/h/" + w), "signal.buy");
          }
        }
        for (int i = 0; i < 50; i++) {
          f.webhook("fast", fast.url("/f/" + i), "signal.buy");
        }
        for (int e = 0; e < 10; e++) {
          f.events.publishEvent(com.apindicators.webhooks.v1.PublishEventRequest.newBuilder().setType("signal.buy")
              .setData(Fixtures.json(SIGNAL)).build());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> fast.requests().size() >= 500);
        assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE account_id = 'hanging' AND status <> 'PENDING'"))
            .as("hanging deliveries finished (they must still hang)").isZero();
        await().atMost(Duration.ofSeconds(10)).until(() ->
            TestDatabase.count("SELECT count(*) FROM deliveries WHERE account_id = 'fast' AND status = 'DELIVERED'") == 500);
        // Each hanging endpoint holds only its floor of connections, not a quarter of all slots.
        assertThat(hanging).allSatisfy(h -> assertThat(h.connections()).isLessThanOrEqualTo(config.endpointFloor()));
      } finally {
        for (HangingEndpoint h : hanging) {
          h.close();
        }
      }
    }
  }

  @Test
  void endpointsThatNeverAnswerHoldAtMostAShareOfAllSlotsSoOtherAccountsStillGetTheirs() throws Exception {
    // 32 slots in all; one account's 16 hanging endpoints could hold 64 at their floor of 4 each. Unproven lanes
    // (no 2xx lately) may hold a quarter of the slots per account and half in all: 8 here.
    ServerConfig config = new ServerConfig(0, null, null, true, 32, Duration.ofSeconds(60), 4, 0, 10_000,
        Duration.ofSeconds(60), Limits.defaults(), 30, 7);
    List<HangingEndpoint> hanging = new ArrayList<>();
    try (GrpcTestServer server = GrpcTestServer.start(config); Receiver fast = new Receiver()) {
      try {
        Fixtures f = new Fixtures(server.channel);
        for (int i = 0; i < 16; i++) {
          HangingEndpoint h = new HangingEndpoint();
          hanging.add(h);
          f.webhook("attacker", h.url("/h"), "signal.buy");
        }
        for (int i = 0; i < 10; i++) {
          f.webhook("victim", fast.url("/f/" + i), "signal.buy");
        }
        for (int e = 0; e < 5; e++) {
          f.publish("signal.buy", SIGNAL, "attacker");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> hanging.stream().mapToInt(HangingEndpoint::connections).sum() >= 8);
        for (int e = 0; e < 5; e++) {
          f.publish("signal.buy", SIGNAL, "victim");
        }
        // Well within the 60 s the hanging attempts hold their slots.
        await().atMost(Duration.ofSeconds(15)).until(() -> fast.requests().size() == 50);
        assertThat(hanging.stream().mapToInt(HangingEndpoint::connections).sum())
            .as("connections the attacker's endpoints hold").isLessThanOrEqualTo(8);
        assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE account_id = 'attacker' AND status <> 'PENDING'"))
            .as("the attacker's deliveries still hang").isZero();
      } finally {
        for (HangingEndpoint h : hanging) {
          h.close();
        }
      }
    }
  }

  @Test
  void endpointsThatAnswerJustInsideTheTimeoutHoldAtMostHalfTheSlotsSoOtherAccountsStillGetTheirs() throws Exception {
    // 32 slots, 8 per lane. The attacker's 8 endpoints answer their first request at once, which proves them (a lane
    // with a 2xx in the last second or two earns its rate times the 60 s timeout: a full lane), and every later one
    // after 55 s, inside the timeout. While their lanes are proven (their next jobs start within that second, being
    // handed over already), 8 full lanes want 64 slots: without a share per account they took all 32, and the
    // victim got none until the first of them answered. An account may hold half the slots: 16.
    ServerConfig config = new ServerConfig(0, null, null, true, 32, Duration.ofSeconds(120), 4, 0, 10_000,
        Duration.ofSeconds(60), Limits.defaults(), 30, 7);
    int half = 16;
    List<Receiver> slow = new ArrayList<>();
    try (GrpcTestServer server = GrpcTestServer.start(config); Receiver fast = new Receiver()) {
      try {
        Fixtures f = new Fixtures(server.channel);
        for (int i = 0; i < 8; i++) {
          Receiver r = new Receiver().on("/s", n -> n == 1 ? Answer.ok() : new Answer(200, "ok", Map.of(), 55_000));
          slow.add(r);
          f.webhook("attacker", r.url("/s"), "signal.buy");
        }
        for (int i = 0; i < 10; i++) {
          f.webhook("victim", fast.url("/f/" + i), "signal.buy");
        }
        for (int e = 0; e < 20; e++) {
          f.publish("signal.buy", SIGNAL, "attacker");
        }
        // Each endpoint's first request answered; then the attacker's lanes take what they may hold.
        Callable<Integer> holding = () -> slow.stream().mapToInt(r -> r.requests().size() - 1).sum();
        await().atMost(Duration.ofSeconds(15)).until(holding, n -> n >= half);
        for (int e = 0; e < 5; e++) {
          f.publish("signal.buy", SIGNAL, "victim");
        }
        // Well within the 55 s the attacker's attempts hold their slots.
        await().atMost(Duration.ofSeconds(15)).until(() -> fast.requests().size() == 50);
        assertThat(holding.call()).as("attempts the attacker's endpoints hold").isEqualTo(half);
        assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE account_id = 'attacker'"
            + " AND status = 'PENDING'")).as("the attacker's deliveries still wait").isEqualTo(160 - 8);
      } finally {
        for (Receiver r : slow) {
          r.close();
        }
      }
    }
  }

  @Test
  void anAccountsBigBacklogDoesNotDelayAnotherAccountsDeliveries() throws Exception {
    ServerConfig config = ServerConfig.defaults().withAllowPrivateTargets(true).withAttemptTimeout(Duration.ofSeconds(60));
    try (GrpcTestServer server = GrpcTestServer.start(config); HangingEndpoint hanging = new HangingEndpoint();
        Receiver receiver = new Receiver()) {
      Fixtures f = new Fixtures(server.channel);
      f.webhook("big", hanging.url("/slow"), "order.filled");
      f.webhook("small", receiver.url("/small"), "order.filled");
      f.publish("order.filled", "{\"n\":0}", "big");
      f.publish("order.filled", "{\"n\":0}", "small");
      await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/small").size() == 1);
      // 25,000 due deliveries of one account wait in the table (older than anything else), then one of another's.
      server.db.jdbi().useHandle(h -> {
        h.execute("""
            INSERT INTO deliveries (delivery_id, event_id, webhook_id, account_id, event_type, url, status,
                max_attempts, retry_initial_ms, retry_max_ms, next_attempt_time)
            SELECT 'dlv_backlog' || g, event_id, webhook_id, account_id, event_type, url, 'PENDING', 1, 1000, 1000,
                now() - interval '1 hour' + g * interval '1 millisecond'
            FROM deliveries, generate_series(1, 25000) g WHERE account_id = 'big'
            """);
        h.execute("""
            INSERT INTO deliveries (delivery_id, event_id, webhook_id, account_id, event_type, url, status,
                max_attempts, retry_initial_ms, retry_max_ms, next_attempt_time)
            SELECT 'dlv_smallbacklog', event_id, webhook_id, account_id, event_type, url, 'PENDING', 1, 1000, 1000, now()
            FROM deliveries WHERE account_id = 'small'
            """);
      });
      await().atMost(Duration.ofSeconds(15)).until(() -> receiver.requests("/small").stream()
          .anyMatch(r -> "dlv_smallbacklog".equals(r.header("x-webhook-id"))));
      f.publish("order.filled", "{\"n\":1}", "small");
      await().atMost(Duration.ofSeconds(15)).until(() -> receiver.requests("/small").size() == 3);
      assertThat(hanging.connections()).isLessThanOrEqualTo(config.endpointFloor());
    }
  }

  @Test
  void noDeliveryIsPostedTwiceWhenLeasesAreShortAndAQueueBuildsBehindASlowEndpoint() throws Throwable {
    // 4 attempts in flight per endpoint, 50 ms each: 300 deliveries take seconds, far longer than the 2 s lease.
    tenEventsToSlowWebhooks(new ServerConfig(0, null, null, true, 16, Duration.ofSeconds(2)), 30, () -> { });
  }

  @Test
  void deliveriesMadeBeyondAFullDispatcherAreClaimedByThePollerAndEachPostedOnce() throws Throwable {
    // Room for 12 in memory: most of each 40-webhook event is left for the poller (released once its creation is
    // logged), which claims it as room comes back.
    ServerConfig config = new ServerConfig(0, null, null, true, 8, Duration.ofSeconds(60), 4, 8, 12,
        ServerConfig.ATTEMPT_TIMEOUT, Limits.defaults(), 30, 7);
    // At most 8 in flight, 50 ms each: the 400 take seconds, so the room runs out and the poller has work.
    tenEventsToSlowWebhooks(config, 40, () -> assertThat(TestDatabase.count(TestDatabase.COUNT_CHANGES))
        .as("created and delivered, each once").isEqualTo(800));
  }

  /**
   * Publishes ten events to {@code webhooks} webhooks whose endpoints each answer 200 after 50 ms, on a server of
   * {@code config}; waits until every delivery is delivered, checks each was POSTed once, then runs {@code andThen}
   * while the server still runs.
   */
  private static void tenEventsToSlowWebhooks(ServerConfig config, int webhooks, ThrowingCallable andThen)
      throws Throwable {
    try (GrpcTestServer server = GrpcTestServer.start(config); Receiver slow = new Receiver()) {
      Fixtures f = new Fixtures(server.channel);
      for (int i = 0; i < webhooks; i++) {
        slow.on("/s/" + i, n -> new Answer(200, "ok", Map.of(), 50));
        f.webhook("slow", slow.url("/s/" + i), "order.filled");
      }
      for (int e = 0; e < 10; e++) {
        f.publish("order.filled", "{\"n\":" + e + "}", "slow");
      }
      await().atMost(Duration.ofSeconds(60)).until(() ->
          TestDatabase.count("SELECT count(*) FROM deliveries WHERE status = 'DELIVERED'") == webhooks * 10);
      assertEachPostedOnce(slow, webhooks * 10);
      andThen.call();
    }
  }

  /** Every delivery reached the receiver exactly once (by its X-Webhook-Id). */
  private static void assertEachPostedOnce(Receiver receiver, int deliveries) {
    Map<String, Long> posts = receiver.requests().stream()
        .collect(Collectors.groupingBy(r -> r.header("x-webhook-id"), Collectors.counting()));
    assertThat(posts).hasSize(deliveries);
    assertThat(posts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList())
        .as("deliveries POSTed more than once").isEmpty();
  }
}
