package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * One account's attempts hold at most half the slots, however many lanes it earned; at that share the account waits
 * out of the turns while others' deliveries go, and takes turns again as its attempts end, until all of its jobs
 * are done and every count is back to zero.
 */
class DispatcherAccountShareTest {
  private static final int SLOTS = 8;
  private final SecretBox box = SecretBox.random();

  @Test
  void anAccountAtItsShareWaitsWhileAnotherIsServedAndTakesTurnsAgainAsItsAttemptsEnd() throws Exception {
    List<Receiver> slow = new ArrayList<>();
    try (Receiver fast = new Receiver();
        HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(60), SLOTS)) {
      AtomicInteger outcomes = new AtomicInteger();
      Dispatcher d = dispatcher(sender, outcomes);
      // Four endpoints (lanes) of one account: each answers every other request at once, which keeps the lane
      // proven (a full lane of 8 while a 2xx is recent), and the others after 50 s, so those pile up.
      for (int i = 0; i < 4; i++) {
        slow.add(new Receiver().on("/s", n -> n % 2 == 1 ? Answer.ok() : new Answer(200, "ok", Map.of(), 50_000)));
      }
      for (Receiver r : slow) {
        assertThat(d.offer(jobs("slow", r.url("/s"), 9))).isEmpty();
      }
      int share = SLOTS / AccountSlots.SHARE;
      Callable<Integer> held = () -> slow.stream().mapToInt(r -> r.requests().size() / 2).sum();
      await().atMost(Duration.ofSeconds(20)).until(held, n -> n >= share);
      assertThat(held.call()).as("slow attempts held").isEqualTo(share);
      assertThat(d.inFlightOf("slow")).isEqualTo(share);
      assertThat(d.queued()).as("the rest of the account's jobs wait").isPositive();

      assertThat(d.offer(jobs("fast", fast.url("/f"), 20))).isEmpty();
      await().atMost(Duration.ofSeconds(20)).until(() -> fast.requests().size() == 20);
      // The fast ones' ends are counted a moment after the receiver saw them.
      await().atMost(Duration.ofSeconds(10)).until(() -> d.inFlight() == share);
      assertThat(d.inFlightOf("slow")).as("still at its share").isEqualTo(share);

      // The slow endpoints go away: their attempts end, and the account takes its turns again until all are done.
      for (Receiver r : slow) {
        r.close();
      }
      // Each check does what the server's poller does each poll: trim, which checks again the lanes in line for an
      // unproven slot (an attempt's end lets go of the first in line only: a lane let go while still proven starts
      // proven attempts, whose ends let go of nobody), and offer again what a lane gave back (the poller claims it
      // back from the table). Without it the line could stall with jobs queued and nothing in flight (once in about
      // twenty full runs).
      List<DeliveryJob> givenBack = new ArrayList<>();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        givenBack.addAll(d.trim());
        List<DeliveryJob> refused = d.offer(List.copyOf(givenBack));
        givenBack.clear();
        givenBack.addAll(refused);
        return outcomes.get() == 36 + 20;
      });
      // An outcome is reported before its end is counted.
      await().atMost(Duration.ofSeconds(10)).until(() -> d.inFlight() == 0);
      assertThat(d.inFlightOf("slow")).isZero();
      assertThat(d.queued()).isZero();
      assertThat(d.heldBy("slow")).isZero();
    } finally {
      for (Receiver r : slow) {
        r.close();
      }
    }
  }

  /**
   * Two accounts at their shares leave slots free for a third: the second takes half of what the first left, not the
   * other half. With a fixed half each, the two held every slot and the third account's deliveries waited for their
   * 50 s answers.
   */
  @Test
  void twoAccountsAtTheirSharesLeaveSlotsForAThird() throws Exception {
    List<Receiver> slow = new ArrayList<>();
    try (Receiver fast = new Receiver();
        HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(60), SLOTS)) {
      AtomicInteger outcomes = new AtomicInteger();
      Dispatcher d = dispatcher(sender, outcomes);
      // Each account's endpoints answer every other request at once (their lanes stay proven) and the others after
      // 50 s. Once an account's attempts in flight are all answers held back, it starts no more: it sits at its share.
      for (String account : List.of("slowA", "slowB")) {
        List<Receiver> own = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          Receiver r = new Receiver().on("/s", n -> n % 2 == 1 ? Answer.ok() : new Answer(200, "ok", Map.of(), 50_000));
          own.add(r);
          slow.add(r);
          assertThat(d.offer(jobs(account, r.url("/s"), 9))).isEmpty();
        }
        int share = account.equals("slowA") ? SLOTS / 2 : SLOTS / 4; // half of all, then half of what A left
        Callable<Integer> held = () -> own.stream().mapToInt(r -> r.requests().size() / 2).sum();
        await().atMost(Duration.ofSeconds(20)).until(() -> held.call() == share && d.inFlightOf(account) == share);
      }
      assertThat(d.inFlightOf("slowA")).isEqualTo(SLOTS / 2);

      assertThat(d.offer(jobs("fast", fast.url("/f"), 20))).isEmpty();
      await().atMost(Duration.ofSeconds(20)).until(() -> fast.requests().size() == 20);
    } finally {
      for (Receiver r : slow) {
        r.close();
      }
    }
  }

  /**
   * An account refused because it held as many slots as were free gets its turn back as soon as any attempt ends,
   * not only when one of its own does: here its own is an answer held back for 50 s, and its fast deliveries go once
   * the other accounts' attempts end.
   */
  @Test
  void anAccountRefusedForLackOfFreeSlotsGoesOnWhenOthersAttemptsEnd() throws Exception {
    try (Receiver fast = new Receiver();
        Receiver held = new Receiver().on("/held", n -> new Answer(200, "ok", Map.of(), 50_000));
        // Each other account's first request is answered at once (its lane proven), its second after 1 s.
        Receiver others = new Receiver();
        HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(60), SLOTS)) {
      AtomicInteger outcomes = new AtomicInteger();
      Dispatcher d = dispatcher(sender, outcomes);
      assertThat(d.offer(jobs("x", held.url("/held"), 1))).isEmpty();
      await().atMost(Duration.ofSeconds(10)).until(() -> held.requests().size() == 1);
      for (int i = 0; i < SLOTS - 2; i++) {
        others.on("/o" + i, n -> n == 1 ? Answer.ok() : new Answer(200, "ok", Map.of(), 1_000));
        assertThat(d.offer(jobs("other" + i, others.url("/o" + i), 1))).isEmpty();
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.get() == SLOTS - 2); // their lanes proven
      for (int i = 0; i < SLOTS - 2; i++) {
        assertThat(d.offer(jobs("other" + i, others.url("/o" + i), 1))).isEmpty(); // one each: always let start
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> d.inFlight() == SLOTS - 1);
      // One slot free, and x holds one: x is refused, and waits for a slot to free.
      assertThat(d.offer(jobs("x", fast.url("/f"), 5))).isEmpty();
      await().atMost(Duration.ofSeconds(15)).until(() -> fast.requests().size() == 5);
      assertThat(held.requests()).hasSize(1);
    }
  }

  /** SLOTS slots, a floor of 4 a lane, a 60 s timeout; counts the outcomes. */
  private static Dispatcher dispatcher(HttpSender sender, AtomicInteger outcomes) {
    return new Dispatcher(sender, o -> outcomes.incrementAndGet(), new DeliveryEngine.Settings(SLOTS, 4, SLOTS, 800,
        Long.MAX_VALUE, Duration.ofSeconds(120), Duration.ofMillis(200), Duration.ofSeconds(60), true));
  }

  private List<DeliveryJob> jobs(String account, String url, int n) {
    return TestJobs.of(box, account, url, n);
  }
}
