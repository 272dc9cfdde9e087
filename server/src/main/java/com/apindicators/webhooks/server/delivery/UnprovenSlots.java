package com.apindicators.webhooks.server.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Bounds the slots held by attempts to unproven lanes, those without a 2xx answer lately: an endpoint that never
 * answers holds its slot for the whole timeout, so floors alone would let many of them (one account's, or many
 * accounts' dead endpoints) hold every slot. Unproven attempts may hold half the slots in all and a quarter per
 * account; a lane held back waits, in line, until an unproven attempt ends. Proven lanes answer, so their slots come
 * back. An end lets go of the first lanes in line only (constant work per attempt on average): letting go of every
 * lane held back at each end cost one account's thousand lanes a thousand re-checks per attempt, under the
 * dispatcher's lock. Not thread-safe: the dispatcher calls it under its lock.
 */
final class UnprovenSlots {
  private final int maxInAll;
  private final int maxPerAccount;
  private int inAll;
  private final Map<String, Integer> byAccount = new HashMap<>();
  /** Lanes waiting for a slot of all: half the slots were unproven when they were held back. */
  private final ArrayDeque<EndpointLane> forAll = new ArrayDeque<>();
  /** Lanes waiting for a slot of their account's quarter. */
  private final Map<String, ArrayDeque<EndpointLane>> forAccount = new HashMap<>();
  /** Lanes let go so far, counted (tests check the work per attempt). */
  private long letGo;

  /** @param maxInFlight the dispatcher's slots in all */
  UnprovenSlots(int maxInFlight) {
    this.maxInAll = Math.max(1, maxInFlight / 2);
    this.maxPerAccount = Math.max(1, maxInFlight / 4);
  }

  /** Whether an unproven attempt of this account may start now; if not, the lane waits in line until one ends. */
  boolean mayStart(EndpointLane lane) {
    if (inAll < maxInAll && inFlight(lane.accountId) < maxPerAccount) {
      return true;
    }
    lane.heldBack = true;
    (inAll >= maxInAll ? forAll : forAccount.computeIfAbsent(lane.accountId, a -> new ArrayDeque<>())).add(lane);
    return false;
  }

  void started(String accountId) {
    inAll++;
    byAccount.merge(accountId, 1, Integer::sum);
  }

  /**
   * An unproven attempt ended: a slot of all and one of its account came back. Lets go of the lanes first in line
   * for either until {@code makeReady} makes one ready (one it does not had nothing to start then, and becomes
   * ready again as any lane does). A lane in line for a slot of all whose account is at its quarter moves to its
   * account's line.
   */
  void ended(String accountId, Predicate<EndpointLane> makeReady) {
    inAll--;
    byAccount.computeIfPresent(accountId, (k, n) -> n == 1 ? null : n - 1);
    ArrayDeque<EndpointLane> own = forAccount.get(accountId);
    if (own != null) {
      letGoFirst(own, makeReady);
      if (own.isEmpty()) {
        forAccount.remove(accountId);
      }
    }
    while (!forAll.isEmpty()) {
      EndpointLane lane = forAll.poll();
      if (inFlight(lane.accountId) >= maxPerAccount) {
        forAccount.computeIfAbsent(lane.accountId, a -> new ArrayDeque<>()).add(lane);
      } else if (letGo(lane, makeReady)) {
        return;
      }
    }
  }

  private void letGoFirst(ArrayDeque<EndpointLane> line, Predicate<EndpointLane> makeReady) {
    while (!line.isEmpty()) {
      if (letGo(line.poll(), makeReady)) {
        return;
      }
    }
  }

  private boolean letGo(EndpointLane lane, Predicate<EndpointLane> makeReady) {
    letGo++;
    lane.heldBack = false;
    return makeReady.test(lane);
  }

  /**
   * Lets go of every lane held back: when stopping, and at the dispatcher's trim, so a lane in line whose turn
   * was taken by one that then started nothing (its jobs ran out of lease, its endpoint answered) waits no longer.
   */
  List<EndpointLane> release() {
    List<EndpointLane> lanes = new ArrayList<>(forAll);
    forAccount.values().forEach(lanes::addAll);
    forAll.clear();
    forAccount.clear();
    lanes.forEach(l -> l.heldBack = false);
    return lanes;
  }

  /** Unproven attempts in flight, in all. */
  int inFlight() {
    return inAll;
  }

  /** Lanes let go by ends so far. */
  long letGo() {
    return letGo;
  }

  private int inFlight(String accountId) {
    return byAccount.getOrDefault(accountId, 0);
  }
}
