package com.apindicators.webhooks.server.delivery;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Bounds the slots one account's attempts hold in all, answering or not. A lane earns its rate times the timeout,
 * so endpoints that answer a 2xx at once now and then and take nearly the whole timeout otherwise earn full lanes
 * whose slots they hold for seconds each; a few such endpoints of one account would otherwise hold every slot, and
 * other accounts would get one only as those answered.
 *
 * <p>An account may start an attempt only while it holds fewer slots than are free: at most half of what the other
 * accounts leave, so half of all when it is alone ({@code 1/}{@link #SHARE}). Two accounts holding all they may keep
 * a third of the slots each and leave a third free, k accounts {@code 1/(k+1)} each; with a fixed half each, two
 * held every slot between them. At its share the account itself waits (out of the accounts' turns, its lanes still
 * ready) until one of its own attempts ends, however others' end meanwhile: constant work per attempt, however many
 * lanes and accounts there are. Not thread-safe: the dispatcher calls it under its lock.
 */
final class AccountSlots {
  /** One account alone may hold this fraction of the slots: half. */
  static final int SHARE = 2;
  private final int maxInFlight;
  private final int maxPerAccount;
  private final Map<String, Integer> byAccount = new HashMap<>();
  private final Set<String> waiting = new HashSet<>();

  /** @param maxInFlight the dispatcher's slots in all */
  AccountSlots(int maxInFlight) {
    this.maxInFlight = maxInFlight;
    this.maxPerAccount = Math.max(1, maxInFlight / SHARE);
  }

  /**
   * Whether an attempt of the account may start now, with {@code inFlight} attempts of every account in flight; if
   * not, the account waits out of the turns until one of its attempts ends ({@link #ended} then says to give it its
   * turn back). An account holding none may always start (while a slot is free: the dispatcher's own check).
   */
  boolean mayStart(String accountId, int inFlight) {
    int held = byAccount.getOrDefault(accountId, 0);
    if (held == 0 || held < maxPerAccount && held < maxInFlight - inFlight) {
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
