package com.apindicators.webhooks.server.security;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Bounds the database lookups of presented API keys, which happen before anything is known of the caller. Ids this
 * process has never found live (random or revoked ids: anyone on the internet can send them, without an account)
 * share {@link #MAX_UNKNOWN} lookups at once and are refused at once beyond it, so a flood of them holds at most that
 * many of the pooled connections; ids found live before (their memory ran out) have their own
 * {@link #MAX_REFRESHES}, which a flood of unknown ids cannot take.
 */
final class KeyLookups {
  /** Lookups of ids not found live before that may be in progress at once, per process. */
  static final int MAX_UNKNOWN = 2;
  /** Lookups of ids found live before (to check they still are) that may be in progress at once, per process. */
  static final int MAX_REFRESHES = 2;
  /**
   * How long a live key's check waits for a refresh permit: only other live keys compete for them, and each key's
   * waiters are then served by the one refresh that went first.
   */
  static final Duration REFRESH_WAIT = Duration.ofSeconds(1);
  private final Semaphore unknown = new Semaphore(MAX_UNKNOWN);
  private final Semaphore refreshes = new Semaphore(MAX_REFRESHES);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger peak = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();

  /** Runs the lookup under a permit of its lane, or throws {@link KeyLookupsBusyException}. */
  <T> T run(boolean knownLive, Supplier<T> lookup) {
    Semaphore lane = knownLive ? refreshes : unknown;
    if (!acquire(lane, knownLive)) {
      refused.incrementAndGet();
      throw new KeyLookupsBusyException(knownLive ? MAX_REFRESHES : MAX_UNKNOWN);
    }
    peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    try {
      return lookup.get();
    } finally {
      inFlight.decrementAndGet();
      lane.release();
    }
  }

  private static boolean acquire(Semaphore lane, boolean wait) {
    if (!wait) {
      return lane.tryAcquire();
    }
    try {
      return lane.tryAcquire(REFRESH_WAIT.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  int inFlight() {
    return inFlight.get();
  }

  /** The most lookups that were ever in progress at once. */
  int peak() {
    return peak.get();
  }

  long refused() {
    return refused.get();
  }
}
