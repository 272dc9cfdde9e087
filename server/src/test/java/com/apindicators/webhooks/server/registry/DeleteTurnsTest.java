package com.apindicators.webhooks.server.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The lines deletes wait in: first come first served, left when the caller stops, forgotten when empty. */
class DeleteTurnsTest {
  @Test
  void permitsGoInArrivalOrderAndAWaiterThatStopsLeavesTheLineWithout() throws Exception {
    FairPermits permits = new FairPermits(1);
    assertThat(permits.acquire(() -> false)).isTrue();
    AtomicBoolean secondStops = new AtomicBoolean();
    CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> permits.acquire(() -> false));
    await().atMost(Duration.ofSeconds(10)).until(() -> permits.waiting() == 1);
    CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> permits.acquire(secondStops::get));
    await().atMost(Duration.ofSeconds(10)).until(() -> permits.waiting() == 2);

    permits.release();
    assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(second).isNotDone();
    secondStops.set(true);
    assertThat(second.get(10, TimeUnit.SECONDS)).isFalse();
    assertThat(permits.waiting()).isZero();
    permits.release();
    assertThat(permits.acquire(() -> true)).as("a free permit is taken without waiting").isTrue();
  }

  @Test
  void anAccountsTurnIsOneAtATimeAndAnAccountWithNoDeleteLeavesNoEntry() throws Exception {
    DeleteTurns turns = new DeleteTurns(2);
    Runnable a = turns.accountTurn("acct-a", () -> false);
    Runnable b = turns.accountTurn("acct-b", () -> false);
    assertThat(a).isNotNull();
    assertThat(b).isNotNull();
    CompletableFuture<Runnable> nextA = CompletableFuture.supplyAsync(() -> turns.accountTurn("acct-a", () -> false));
    await().atMost(Duration.ofSeconds(10)).until(() -> turns.waitingForAccount() == 1);
    assertThat(turns.accountTurn("acct-a", () -> true)).as("a stopped waiter gets no turn").isNull();

    a.run();
    a.run(); // ending a turn twice gives nothing back twice
    nextA.get(10, TimeUnit.SECONDS).run();
    b.run();
    assertThat(turns.waitingForAccount()).isZero();
    assertThat(turns.accounts()).isZero();
  }
}
