package com.apindicators.webhooks.server.delivery;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * One account's deliveries to one endpoint (scheme, host, port) in the dispatcher: the jobs waiting, the attempts
 * in flight, and the recent 2xx answers that earn it more of both. An endpoint that stops answering keeps only its
 * floor; what it cannot start soon waits in the database.
 */
final class EndpointLane {
  /** Successes are counted over this sliding window to estimate the lane's rate. */
  private static final long WINDOW_NANOS = 1_000_000_000L;
  /** A new lane's rate is measured over at least this long, so one quick answer does not look like thousands/s. */
  private static final long MIN_AGE_NANOS = 50_000_000L;
  /** Webhooks remembered per lane for the claim to skip while the lane is full. */
  private static final int MAX_REMEMBERED_WEBHOOKS = 1_000;

  final String key;
  final String accountId;
  final ArrayDeque<Dispatcher.Held> waiting = new ArrayDeque<>();
  /** Webhooks whose jobs this lane refused while full: their backlog waits in the database until it has room. */
  final Set<String> refusedWebhooks = new HashSet<>();
  int inFlight;
  boolean ready;
  /** Waiting for an unproven slot ({@link UnprovenSlots}); not ready until one comes back. */
  boolean heldBack;
  long idleSinceNanos;
  /** Until when the burst it took is not trimmed ({@link Dispatcher#BURST_GRACE}); 0 when it took none since half empty. */
  private long burstGraceUntilNanos;
  private final long createdNanos;
  private long windowStart;
  private int current;
  private int previous;

  EndpointLane(String key, String accountId, long now) {
    this.key = key;
    this.accountId = accountId;
    this.createdNanos = now;
    this.windowStart = now;
    this.idleSinceNanos = now;
  }

  /** Counts a 2xx answer. */
  void succeeded(long now) {
    roll(now);
    current++;
  }

  /** Recent 2xx answers per second (a sliding one-second window). */
  double rate(long now) {
    roll(now);
    long age = now - createdNanos;
    if (age < WINDOW_NANOS) {
      return current * 1e9 / Math.max(age, MIN_AGE_NANOS);
    }
    double elapsed = (double) (now - windowStart) / WINDOW_NANOS;
    return previous * (1 - elapsed) + current;
  }

  /**
   * Attempts it may have in flight: the floor plus what its successes earn, its rate times the attempt timeout (by
   * Little's law, the concurrency that rate needs if answers took the whole timeout), capped.
   */
  int maxInFlight(long now, int floor, int cap, double timeoutSeconds) {
    return (int) Math.min(cap, floor + Math.ceil(rate(now) * timeoutSeconds));
  }

  /**
   * Jobs it may hold, in flight and waiting: its in-flight limit plus what it can start soon, one more round or
   * what its rate gets through within the horizon, whichever is more.
   */
  int maxHeld(long now, int floor, int cap, double timeoutSeconds, double horizonSeconds) {
    int limit = maxInFlight(now, floor, cap, timeoutSeconds);
    return limit + (int) Math.max(limit, Math.ceil(rate(now) * horizonSeconds));
  }

  /** Whether no 2xx answer came lately: its attempts count against {@link UnprovenSlots}. */
  boolean unproven(long now) {
    return rate(now) == 0;
  }

  /** Counts a job taken beyond what it earned: the first since it was half empty starts the grace. */
  void burstTaken(long now, long graceNanos) {
    if (burstGraceUntilNanos == 0) {
      burstGraceUntilNanos = now + graceNanos;
    }
  }

  /** Whether the burst it took is still in its grace. */
  boolean inBurstGrace(long now) {
    return burstGraceUntilNanos != 0 && now - burstGraceUntilNanos < 0;
  }

  /** It drained to half its share: a later burst gets a grace of its own. */
  void burstEnded() {
    burstGraceUntilNanos = 0;
  }

  int held() {
    return inFlight + waiting.size();
  }

  void rememberRefused(String webhookId) {
    if (refusedWebhooks.size() < MAX_REMEMBERED_WEBHOOKS) {
      refusedWebhooks.add(webhookId);
    }
  }

  private void roll(long now) {
    long elapsed = now - windowStart;
    if (elapsed >= 2 * WINDOW_NANOS) {
      previous = 0;
      current = 0;
      windowStart = now;
    } else if (elapsed >= WINDOW_NANOS) {
      previous = current;
      current = 0;
      windowStart += WINDOW_NANOS;
    }
  }
}
