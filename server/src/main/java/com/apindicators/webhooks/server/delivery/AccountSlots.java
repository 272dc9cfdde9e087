package com.apindicators.webhooks.server.delivery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Bounds the slots one account's attempts hold in all, answering or not. A lane earns its rate times the timeout,
 * so endpoints that answer a 2xx at once now and then and take nearly the whole timeout otherwise earn full lanes
 * whose slots they hold for seconds each; a few such endpoints of one account would otherwise hold every slot, and
 * other accounts would get one only as those answered.
 *
 * <p>An account may start an attempt only while it holds fewer slots than are free: at most half of what the other
 * accounts leave, so half of all when it is alone ({@code 1/}{@link #SHARE}). Accounts arriving one after another
 * take a half, a quarter, an eighth... (two hold at most three quarters; a third each once their attempts turn
 * over); with a fixed half each, two held every slot between them. At its share the account itself waits (out of the
 * accounts' turns, its lanes still ready) until one of its own attempts ends; one refused because it holds as many as
 * are free also gets its turn back when any attempt ends, first refused first, one per end: constant work per
 * attempt, however many lanes and accounts there are. Not thread-safe: the dispatcher calls it under its lock.
 */
final class AccountSlots {
  /** One account alone may hold this fraction of the slots: half. */
  static final int SHARE = 2;
  private final int maxInFlight;
  private final int maxPerAccount;
  private final Map<String, Integer> byAccount = new HashMap<>();
  /** Accounts at their half: each waits for one of its own attempts to end. */
  private final Set<String> waiting = new HashSet<>();
  /**
   * Accounts holding as many as are free, in the order refused: each attempt's end gives the first its turn back
   * (that end freed a slot), besides the ended attempt's own account.
   */
  private final Set<String> waitingForFree = new LinkedHashSet<>();

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
    (held >= maxPerAccount ? waiting : waitingForFree).add(accountId);
    return false;
  }

  void started(String accountId) {
    byAccount.merge(accountId, 1, Integer::sum);
  }

  /**
   * An attempt of the account ended; returns the accounts that take turns again: the account itself if it waited,
   * and the first waiting for a free slot (one just freed). Constant work, however many wait.
   */
  List<String> ended(String accountId) {
    byAccount.computeIfPresent(accountId, (k, n) -> n == 1 ? null : n - 1);
    List<String> back = new ArrayList<>(2);
    if (waiting.remove(accountId) | waitingForFree.remove(accountId)) {
      back.add(accountId);
    }
    Iterator<String> first = waitingForFree.iterator();
    if (first.hasNext()) {
      back.add(first.next());
      first.remove();
    }
    return back;
  }

  /** Forgets the accounts waiting (when stopping). */
  void release() {
    waiting.clear();
    waitingForFree.clear();
  }

  /** Attempts of the account in flight. */
  int inFlight(String accountId) {
    return byAccount.getOrDefault(accountId, 0);
  }
}
