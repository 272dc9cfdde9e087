package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.HangingEndpoint;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A burst to lanes that have not earned a rate yet (one event to many webhooks after a quiet while) is taken whole,
 * up to the account's share of the queue, instead of going round the table, and kept through its grace; an endpoint
 * that never answers gives its burst back after that and gets no second one; one account's burst leaves room for the
 * others.
 */
class DispatcherBurstTest {
  private static final int QUEUE = 800;
  private static final int SHARE = QUEUE / Dispatcher.BURST_SHARE;
  private static final String SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
  private final SecretBox box = SecretBox.random();

  @Test
  void aBurstToNewLanesIsTakenUpToEachAccountsShareAndTheCountsReturnToZero() throws Exception {
    try (HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(30), 1)) {
      // Nothing starts (no slots): what is taken waits. A lane's own share would be 2 (floor 1, nothing earned).
      Dispatcher d = dispatcher(sender, 0, o -> { }, Dispatcher.BURST_GRACE);
      List<DeliveryJob> refusedA = d.offer(jobs("acct_a", "http://127.0.0.1:9/a", SHARE + 50));
      List<DeliveryJob> refusedB = d.offer(jobs("acct_b", "http://127.0.0.1:9/b", SHARE + 50));

      assertThat(refusedA).hasSize(50);
      assertThat(refusedB).as("the first account's burst leaves the second its own share").hasSize(50);
      assertThat(d.heldBy("acct_a")).isEqualTo(SHARE);
      assertThat(d.queued()).isEqualTo(2 * SHARE);
      // Full now: refused webhooks are remembered, and the lane gets no second burst until it drains.
      assertThat(d.offer(jobs("acct_a", "http://127.0.0.1:9/a", 1))).hasSize(1);

      d.dropWebhook("acct_b_wh_0");
      assertThat(d.heldBy("acct_b")).isEqualTo(SHARE - 1);
      assertThat(d.stopAccepting()).hasSize(2 * SHARE - 1);
      assertThat(d.heldBy("acct_a")).isZero();
      assertThat(d.heldBy("acct_b")).isZero();
    }
  }

  @Test
  void aBurstIsKeptThroughItsGraceThoughItsLaneEarnedNothingYet() throws Exception {
    try (HangingEndpoint hanging = new HangingEndpoint();
        HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(30), 8)) {
      Dispatcher d = dispatcher(sender, 8, o -> { }, Duration.ofHours(1));
      assertThat(d.offer(jobs("acct", hanging.url("/h"), SHARE))).isEmpty();
      // A fast endpoint earns its rate within its first answers; a trim before them must not give the burst back.
      assertThat(d.trim()).isEmpty();
      assertThat(d.heldBy("acct")).isEqualTo(SHARE);
      d.stopAccepting();
    }
  }

  @Test
  void anEndpointThatNeverAnswersGivesItsBurstBackAfterItsGraceAndGetsNoSecond() throws Exception {
    try (HangingEndpoint hanging = new HangingEndpoint();
        HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(30), 8)) {
      Dispatcher d = dispatcher(sender, 8, o -> { }, Duration.ZERO);
      assertThat(d.offer(jobs("hostile", hanging.url("/h"), SHARE))).isEmpty();

      // Its grace over, the lane earned nothing: it keeps its floor in flight plus one round (2), gives the rest back.
      List<DeliveryJob> givenBack = d.trim();
      assertThat(givenBack).hasSize(SHARE - 2);
      assertThat(d.heldBy("hostile")).isEqualTo(2);
      assertThat(d.offer(jobs("hostile", hanging.url("/h"), 10))).as("no second burst").hasSize(10);
      // Another account's burst is still taken whole.
      assertThat(d.offer(jobs("other", hanging.url("/o"), SHARE))).isEmpty();
      d.stopAccepting();
    }
  }

  @Test
  void aBurstToAnEndpointThatAnswersIsSentWholeAndReleasesItsCounts() throws Exception {
    try (Receiver receiver = new Receiver();
        HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(30), 8)) {
      AtomicInteger outcomes = new AtomicInteger();
      Dispatcher d = dispatcher(sender, 8, o -> outcomes.incrementAndGet(), Dispatcher.BURST_GRACE);
      assertThat(d.offer(jobs("acct", receiver.url("/r"), SHARE))).isEmpty();

      await().atMost(Duration.ofSeconds(30)).until(() -> outcomes.get() == SHARE);
      assertThat(receiver.requests("/r")).hasSize(SHARE);
      await().atMost(Duration.ofSeconds(5)).until(() -> d.heldBy("acct") == 0 && d.inFlight() == 0);
      assertThat(d.queued()).isZero();
    }
  }

  private static Dispatcher dispatcher(HttpSender sender, int slots, java.util.function.Consumer<Outcome> results,
      Duration burstGrace) {
    return new Dispatcher(sender, results, new DeliveryEngine.Settings(slots, 1, 1, QUEUE, Long.MAX_VALUE,
        Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ofSeconds(30), true), burstGrace);
  }

  private List<DeliveryJob> jobs(String account, String url, int n) {
    return TestJobs.of(box, account, url, n);
  }
}
