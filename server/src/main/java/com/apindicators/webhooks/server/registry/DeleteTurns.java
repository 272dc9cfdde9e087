package com.apindicators.webhooks.server.registry;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Whose turn it is to delete: one delete at a time per account (for its whole run), and a few steps (a chunk, or the
 * webhook row) at once in the process, each taken for one step only. An account's other deletes wait for its turn
 * outside the process-wide line, so they never stand ahead of another account's first delete, and a long delete
 * goes back into line after every chunk: another account's delete waits about one chunk per step in progress, not
 * for whole deletes. Both lines are first come, first served, and a waiter leaves when its caller stops.
 */
final class DeleteTurns {
  private final FairPermits steps;
  /** Accounts with a delete running or waiting; none else, so memory follows the deletes in progress. */
  private final ConcurrentHashMap<String, Turn> accounts = new ConcurrentHashMap<>();

  /** One account's line, and how many deletes are in it or running (changed only inside the map's compute). */
  private static final class Turn {
    final FairPermits permit = new FairPermits(1);
    int deletes;
  }

  DeleteTurns(int stepsAtOnce) {
    this.steps = new FairPermits(stepsAtOnce);
  }

  /** Waits for the account's turn; returns what ends it (safe to call more than once), or null if stopped first. */
  Runnable accountTurn(String accountId, BooleanSupplier stopped) {
    Turn turn = accounts.compute(accountId, (k, t) -> {
      Turn joined = t == null ? new Turn() : t;
      joined.deletes++;
      return joined;
    });
    if (!turn.permit.acquire(stopped)) {
      leave(accountId);
      return null;
    }
    AtomicBoolean ended = new AtomicBoolean();
    return () -> {
      if (ended.compareAndSet(false, true)) {
        turn.permit.release();
        leave(accountId);
      }
    };
  }

  private void leave(String accountId) {
    accounts.computeIfPresent(accountId, (k, t) -> --t.deletes == 0 ? null : t);
  }

  /** Waits for a process-wide step permit, to give back with {@link #endStep()}; false if stopped first. */
  boolean step(BooleanSupplier stopped) {
    return steps.acquire(stopped);
  }

  void endStep() {
    steps.release();
  }

  /** Deletes waiting for their account's turn. */
  int waitingForAccount() {
    return accounts.values().stream().mapToInt(t -> t.permit.waiting()).sum();
  }

  /** Deletes, each its account's only one running, waiting for a process-wide step permit. */
  int waitingForStep() {
    return steps.waiting();
  }

  /** Accounts with a delete running or waiting. */
  int accounts() {
    return accounts.size();
  }
}
