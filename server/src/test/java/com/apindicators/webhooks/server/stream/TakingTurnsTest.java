package com.apindicators.webhooks.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Tasks take turns by account: an account with fifty tasks queued delays another account's one task by one of its
 * own, not fifty (replay pages of one tenant's hundred streams queued every other tenant's behind them before), and
 * each account's tasks run in the order given.
 */
class TakingTurnsTest {
  @Test
  void anotherAccountsTaskWaitsForOneTaskOfABusyAccountNotAllOfThem() throws Exception {
    TakingTurns turns = new TakingTurns("test-turns", 1);
    List<String> ran = new CopyOnWriteArrayList<>();
    CountDownLatch hold = new CountDownLatch(1);
    turns.submit("busy", () -> {
      waitFor(hold);
      ran.add("busy0");
    });
    for (int i = 1; i < 50; i++) {
      String name = "busy" + i;
      turns.submit("busy", () -> ran.add(name));
    }
    turns.submit("quiet", () -> ran.add("quiet"));
    hold.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 51);
    assertThat(ran.indexOf("quiet")).isLessThanOrEqualTo(2);
    assertThat(ran.stream().filter(n -> n.startsWith("busy")).toList())
        .containsExactlyElementsOf(IntStream.range(0, 50).mapToObj(i -> "busy" + i).toList());
    turns.shutdownNow();
    Executable late = () -> turns.submit("busy", () -> { });
    assertThrows(RejectedExecutionException.class, late);
  }

  private static void waitFor(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
