package com.apindicators.webhooks.server.delivery;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Bounds the slots one account's attempts hold in all, answering or not. A lane earns its rate times the timeout,
 * so endpoints that answer a 2xx at once now and then and take nearly the whole timeout otherwise earn full lanes
 * whose slots they hold for seconds each; a few such endpoints of one account would otherwise hold every slot, and
 * other accounts would get one only as those answered. An account may hold {@code 1/}{@link #SHARE} of the slots;
 * at that, the account itself waits (out of the accounts' turns, its lanes still ready) until one of its attempts
 * ends: constant work per attempt, however many lanes it has. Not thread-safe: the dispatcher calls it under its
 * lock.
 */
final class AccountSlots {
  /** One account may hold this fraction of the slots: half. */
  static final int SHARE = 2;
  private final int maxPerAccount;
  private final Map<String, Integer> byAccount = new HashMap<>();
  private final Set<String> waiting = new HashSet<>();

  /** @param maxInFlight the dispatcher's slots in all */
  AccountSlots(int maxInFlight) {
    this.maxPerAccount = Math.max(1, maxInFlight / SHARE);
  }

  /**
   * Whether an attempt of the account may start now; if not, the account waits out of the turns until one of its
   * attempts ends ({@link #ended} then says to give it its turn back).
   */
  boolean mayStart(String accountId) {
    if (byAccount.getOrDefault(accountId, 0) < maxPerAccount) {
      return true;
    }
    waiting.add(accountId);
    return false;
  }

  void started(String accountId) {
    byAccount.merge(accountId, 1, Integer::sum);
  }

  /** An attempt of the account ended; returns whether the account was waiting for that (it takes turns again). */
  boolean ended(String accountId) {
    byAccount.computeIfPresent(accountId, (k, n) -> n == 1 ? null : n - 1);
    return waiting.remove(accountId);
  }

  /** Forgets the accounts waiting (when stopping). */
  void release() {
    waiting.clear();
  }

  /** Attempts of the account in flight. */
  int inFlight(String accountId) {
    return byAccount.getOrDefault(accountId, 0);
  }
}
