package com.apindicators.webhooks.server.delivery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Bounds the slots held by attempts to unproven lanes, those without a 2xx answer lately: an endpoint that never
 * answers holds its slot for the whole timeout, so floors alone would let many of them (one account's, or many
 * accounts' dead endpoints) hold every slot. Unproven attempts may hold half the slots in all and a quarter per
 * account; a lane held back waits until an unproven attempt ends. Proven lanes answer, so their slots come back.
 * Not thread-safe: the dispatcher calls it under its lock.
 */
final class UnprovenSlots {
  private final int maxInAll;
  private final int maxPerAccount;
  private int inAll;
  private final Map<String, Integer> byAccount = new HashMap<>();
  private final Set<EndpointLane> heldBack = new LinkedHashSet<>();

  /** @param maxInFlight the dispatcher's slots in all */
  UnprovenSlots(int maxInFlight) {
    this.maxInAll = Math.max(1, maxInFlight / 2);
    this.maxPerAccount = Math.max(1, maxInFlight / 4);
  }

  /** Whether an unproven attempt of this account may start now; if not, the lane is held back until one ends. */
  boolean mayStart(EndpointLane lane) {
    if (inAll < maxInAll && byAccount.getOrDefault(lane.accountId, 0) < maxPerAccount) {
      return true;
    }
    lane.heldBack = true;
    heldBack.add(lane);
    return false;
  }

  void started(String accountId) {
    inAll++;
    byAccount.merge(accountId, 1, Integer::sum);
  }

  /** An unproven attempt ended; returns the lanes held back, to be made ready again (they are checked again). */
  List<EndpointLane> ended(String accountId) {
    inAll--;
    byAccount.computeIfPresent(accountId, (k, n) -> n == 1 ? null : n - 1);
    return release();
  }

  /** Lets go of every lane held back (when stopping, or when slots came back). */
  List<EndpointLane> release() {
    List<EndpointLane> lanes = new ArrayList<>(heldBack);
    heldBack.clear();
    lanes.forEach(l -> l.heldBack = false);
    return lanes;
  }

  /** Unproven attempts in flight, in all. */
  int inFlight() {
    return inAll;
  }
}
