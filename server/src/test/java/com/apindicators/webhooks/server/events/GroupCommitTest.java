package com.apindicators.webhooks.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Concurrent calls run together: who leads, what a batch takes, and that one input cannot fail the others. */
class GroupCommitTest {
  private final ExecutorService callers = Executors.newCachedThreadPool();
  /** Every batch run, in order (inputs as given to the work). */
  private final List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());
  private final CountDownLatch open = new CountDownLatch(1);
  private final CountDownLatch later = new CountDownLatch(1);

  @AfterEach
  void stop() {
    open.countDown();
    later.countDown();
    callers.shutdownNow();
  }

  /**
   * Upper-cases each input; a batch with "hold" waits for {@link #open}, one with "later" for {@link #later}; "bad"
   * fails its batch.
   */
  private List<String> work(List<String> batch) {
    batches.add(List.copyOf(batch));
    if (batch.stream().anyMatch(s -> s.startsWith("hold"))) {
      waitFor(open);
    }
    if (batch.contains("later")) {
      waitFor(later);
    }
    if (batch.contains("bad")) {
      throw new IllegalArgumentException("bad data in " + batch);
    }
    if (batch.contains("down")) {
      throw new IllegalStateException("database down");
    }
    return batch.stream().map(String::toUpperCase).toList();
  }

  /** Waits for a latch the test opens; a test that never opens it fails here instead of passing by timing. */
  private static void waitFor(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("the test never opened this latch");
      }
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private GroupCommit<String, String> commit(int running, int batch, int weight) {
    return new GroupCommit<>(this::work, running, batch, String::length, weight,
        e -> e instanceof IllegalArgumentException);
  }

  private Future<String> call(GroupCommit<String, String> c, String input) {
    return callers.submit(() -> c.run(input, () -> false));
  }

  @Test
  void aLoneCallRunsAtOnceInItsOwnThread() {
    GroupCommit<String, String> c = commit(2, 8, 1000);
    assertThat(c.run("a", () -> false)).isEqualTo("A");
    assertThat(c.run("b", () -> false)).isEqualTo("B");
    assertThat(batches).containsExactly(List.of("a"), List.of("b"));
    assertThat(c.waiting()).isZero();
  }

  @Test
  void callsArrivingWhileEverySlotIsBusyGoTogetherEachGettingItsOwnResult() throws Exception {
    GroupCommit<String, String> c = commit(2, 8, 1000);
    Future<String> h1 = call(c, "hold1");
    Future<String> h2 = call(c, "later");
    await().atMost(Duration.ofSeconds(5)).until(() -> batches.size() == 2);
    List<Future<String>> rest = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      rest.add(call(c, "x" + i));
      int waiting = i + 1;
      await().atMost(Duration.ofSeconds(5)).until(() -> c.waiting() == waiting);
    }
    open.countDown();
    assertThat(h1.get(5, TimeUnit.SECONDS)).isEqualTo("HOLD1");
    for (int i = 0; i < 5; i++) {
      assertThat(rest.get(i).get(5, TimeUnit.SECONDS)).isEqualTo("X" + i);
    }
    // The first batch to end hands its slot to the oldest waiting call, which takes all the others, oldest first,
    // while the other slot is still busy.
    assertThat(batches).hasSize(3);
    assertThat(batches.get(2)).containsExactly("x0", "x1", "x2", "x3", "x4");
    assertThat(h2.isDone()).isFalse();
    later.countDown();
    assertThat(h2.get(5, TimeUnit.SECONDS)).isEqualTo("LATER");
    assertThat(c.waiting()).isZero();
    // Slots freed at once are each handed on: with both busy, the queued calls split between the two next batches.
    batches.clear();
    CountDownLatch both = new CountDownLatch(1);
    GroupCommit<String, String> d = new GroupCommit<>(batch -> {
      batches.add(List.copyOf(batch));
      if (batch.get(0).startsWith("slow")) {
        waitFor(both);
      }
      return batch;
    }, 2, 8, String::length, 1000, e -> false);
    List<Future<String>> all = new ArrayList<>();
    for (String in : List.of("slow1", "slow2", "y0", "y1", "y2", "y3")) {
      all.add(callers.submit(() -> d.run(in, () -> false)));
      int started = all.size();
      await().atMost(Duration.ofSeconds(5)).until(() -> batches.size() + d.waiting() == started);
    }
    both.countDown();
    for (int i = 0; i < all.size(); i++) {
      assertThat(all.get(i).get(5, TimeUnit.SECONDS)).isIn("slow1", "slow2", "y0", "y1", "y2", "y3");
    }
    assertThat(batches.subList(2, batches.size()).stream().mapToInt(List::size).sum()).isEqualTo(4);
    assertThat(batches.size()).isBetween(3, 4);
  }

  @Test
  void aBatchTakesAtMostItsCountAndWeightTheLeaderAlwaysGoing() throws Exception {
    GroupCommit<String, String> c = commit(1, 3, 10);
    Future<String> hold = call(c, "hold");
    await().atMost(Duration.ofSeconds(5)).until(() -> batches.size() == 1);
    // Weights (lengths): 12 (over the limit alone), then 4, 4, 1, 1, 1.
    List<String> inputs = List.of("twelve-chars", "aaaa", "bbbb", "c", "d", "e");
    List<Future<String>> results = new ArrayList<>();
    for (String in : inputs) {
      results.add(call(c, in));
      int waiting = results.size();
      await().atMost(Duration.ofSeconds(5)).until(() -> c.waiting() == waiting);
    }
    open.countDown();
    for (int i = 0; i < inputs.size(); i++) {
      assertThat(results.get(i).get(5, TimeUnit.SECONDS)).isEqualTo(inputs.get(i).toUpperCase());
    }
    assertThat(batches.subList(1, batches.size())).containsExactly(
        List.of("twelve-chars"),       // the oldest leads alone: nothing more fits beside its 12
        List.of("aaaa", "bbbb", "c"),  // 9 of 10, and three is the count
        List.of("d", "e"));
  }

  @Test
  void aBadInputFailsOnlyItsOwnCallButAnOutageFailsTheWholeBatch() throws Exception {
    GroupCommit<String, String> c = commit(1, 8, 1000);
    Future<String> hold = call(c, "hold");
    await().atMost(Duration.ofSeconds(5)).until(() -> batches.size() == 1);
    List<Future<String>> results = new ArrayList<>();
    for (String in : List.of("a", "bad", "b")) {
      results.add(call(c, in));
      int waiting = results.size();
      await().atMost(Duration.ofSeconds(5)).until(() -> c.waiting() == waiting);
    }
    open.countDown();
    assertThat(hold.get(5, TimeUnit.SECONDS)).isEqualTo("HOLD");
    assertThat(results.get(0).get(5, TimeUnit.SECONDS)).isEqualTo("A");
    assertThatThrownBy(() -> results.get(1).get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad data in [bad]");
    assertThat(results.get(2).get(5, TimeUnit.SECONDS)).isEqualTo("B");
    // The batch of three failed, then each ran alone.
    assertThat(batches.subList(1, batches.size()))
        .containsExactly(List.of("a", "bad", "b"), List.of("a"), List.of("bad"), List.of("b"));

    // An error that is not the data's own (the database is down) is every caller's: nothing is run again alone.
    batches.clear();
    assertThatThrownBy(() -> c.run("down", () -> false)).isInstanceOf(IllegalStateException.class);
    assertThat(batches).containsExactly(List.of("down"));
  }

  @Test
  void aFailedBatchStillHandsItsSlotOnSoNobodyWaitsForever() throws Exception {
    GroupCommit<String, String> c = commit(1, 1, 1000);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      results.add(call(c, i % 2 == 0 ? "down" : "ok" + i));
    }
    int failed = 0;
    for (int i = 0; i < 20; i++) {
      try {
        assertThat(results.get(i).get(10, TimeUnit.SECONDS)).isEqualTo("OK" + i);
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(e.getCause()).hasMessage("database down");
        failed++;
      }
    }
    assertThat(failed).isEqualTo(10);
    assertThat(c.waiting()).isZero();
  }

  @Test
  void aCallCancelledWhileWaitingIsLeftOutAndToldSoTheOthersRun() throws Exception {
    GroupCommit<String, String> c = commit(1, 8, 1000);
    Future<String> hold = call(c, "hold");
    await().atMost(Duration.ofSeconds(5)).until(() -> batches.size() == 1);
    java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
    Future<String> cancelled = callers.submit(() -> c.run("gone", gone::get));
    await().atMost(Duration.ofSeconds(5)).until(() -> c.waiting() == 1);
    Future<String> kept = call(c, "kept");
    await().atMost(Duration.ofSeconds(5)).until(() -> c.waiting() == 2);
    gone.set(true);
    open.countDown();
    assertThat(hold.get(5, TimeUnit.SECONDS)).isEqualTo("HOLD");
    assertThatThrownBy(() -> cancelled.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(java.util.concurrent.CancellationException.class);
    assertThat(kept.get(5, TimeUnit.SECONDS)).isEqualTo("KEPT");
    // "gone" was never run: the promoted call led without it.
    assertThat(batches).containsExactly(List.of("hold"), List.of("kept"));
    assertThat(c.waiting()).isZero();
  }

  @Test
  void anErrorThrownByTheWorkFailsItsBatchAndStillHandsTheSlotOn() throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    GroupCommit<String, String> c = new GroupCommit<>(batch -> {
      batches.add(List.copyOf(batch));
      if (batch.contains("first")) {
        waitFor(go);
        throw new StackOverflowError("deep");
      }
      return batch;
    }, 1, 8, String::length, 1000, e -> true);
    Future<String> first = call(c, "first");
    await().atMost(Duration.ofSeconds(5)).until(() -> batches.size() == 1);
    Future<String> next = call(c, "next");
    await().atMost(Duration.ofSeconds(5)).until(() -> c.waiting() == 1);
    go.countDown();
    assertThatThrownBy(() -> first.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(StackOverflowError.class);
    assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo("next");
    assertThat(c.waiting()).isZero();
  }
}
