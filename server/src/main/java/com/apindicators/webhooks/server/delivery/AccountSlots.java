package com.apindicators.webhooks.server.delivery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Bounds the slots one account's attempts hold in all, answering or not. A lane earns its rate times the timeout,
 * so an endpoint that answers 2xx just inside the timeout earns a full lane whose every slot it holds for seconds;
 * a few such endpoints of one account would otherwise hold every slot, and other accounts would get one only as
 * those answered. An account may hold {@code 1/}{@link #SHARE} of the slots; its lanes over that wait, held back,
 * until one of its own attempts ends. Not thread-safe: the dispatcher calls it under its lock.
 */
final class AccountSlots {
  /** One account may hold this fraction of the slots: half. */
  static final int SHARE = 2;
  private final int maxPerAccount;
  private final Map<String, Integer> byAccount = new HashMap<>();
  private final Map<String, Set<EndpointLane>> heldBack = new HashMap<>();

  /** @param maxInFlight the dispatcher's slots in all */
  AccountSlots(int maxInFlight) {
    this.maxPerAccount = Math.max(1, maxInFlight / SHARE);
  }

  /** Whether an attempt of this lane's account may start now; if not, the lane is held back until one ends. */
  boolean mayStart(EndpointLane lane) {
    if (byAccount.getOrDefault(lane.accountId, 0) < maxPerAccount) {
      return true;
    }
    lane.heldBack = true;
    heldBack.computeIfAbsent(lane.accountId, a -> new LinkedHashSet<>()).add(lane);
    return false;
  }

  void started(String accountId) {
    byAccount.merge(accountId, 1, Integer::sum);
  }

  /** An attempt of the account ended; returns its lanes held back, to be made ready again (they are checked again). */
  List<EndpointLane> ended(String accountId) {
    byAccount.computeIfPresent(accountId, (k, n) -> n == 1 ? null : n - 1);
    Set<EndpointLane> lanes = heldBack.remove(accountId);
    if (lanes == null) {
      return List.of();
    }
    lanes.forEach(l -> l.heldBack = false);
    return new ArrayList<>(lanes);
  }

  /** Lets go of every lane held back (when stopping). */
  void release() {
    heldBack.values().forEach(lanes -> lanes.forEach(l -> l.heldBack = false));
    heldBack.clear();
  }

  /** Attempts of the account in flight. */
  int inFlight(String accountId) {
    return byAccount.getOrDefault(accountId, 0);
  }
}
