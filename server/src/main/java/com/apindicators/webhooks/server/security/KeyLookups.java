package com.apindicators.webhooks.server.security;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Bounds the database lookups of presented API keys, which happen before anything is known of the caller. Ids this
 * process has never found live (made-up or revoked ids: anyone on the internet can send them, without an account;
 * also a key's first call here) share {@link #MAX_UNKNOWN} lookups at once, so a flood of them holds at most that
 * many pooled connections; ids found live before (their memory ran out) have their own {@link #MAX_REFRESHES}, which
 * such a flood cannot take. A call finding its lane's lookups taken waits briefly, as one of a bounded few (a waiting
 * call holds a server thread), and is refused beyond that.
 */
final class KeyLookups {
  /** Lookups of ids not found live before that may be in progress at once, per process. */
  static final int MAX_UNKNOWN = 2;
  /** Lookups of ids found live before (to check they still are) that may be in progress at once, per process. */
  static final int MAX_REFRESHES = 2;
  /** Calls that may wait for a lookup of each lane at once; one more is refused at once. */
  static final int MAX_WAITING = 16;
  /**
   * How long a call waits for a lookup at most: a lookup takes about a millisecond, so a burst of honest first calls
   * (a client starting, a process restarting) is served, even on a busy machine; a flood gains nothing by it, since
   * at most {@link #MAX_WAITING} wait.
   */
  static final Duration WAIT = Duration.ofSeconds(1);
  private final Lane unknown = new Lane(MAX_UNKNOWN, WAIT);
  private final Lane refreshes = new Lane(MAX_REFRESHES, WAIT);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger peak = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();

  private record Lane(Semaphore permits, AtomicInteger waiting, Duration patience, int limit) {
    Lane(int limit, Duration patience) {
      this(new Semaphore(limit), new AtomicInteger(), patience, limit);
    }

    boolean acquire() {
      if (permits.tryAcquire()) {
        return true;
      }
      try {
        return waiting.incrementAndGet() <= MAX_WAITING && permits.tryAcquire(patience.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } finally {
        waiting.decrementAndGet();
      }
    }
  }

  /** Runs the lookup under a permit of its lane, or throws {@link KeyLookupsBusyException}. */
  <T> T run(boolean knownLive, Supplier<T> lookup) {
    Lane lane = knownLive ? refreshes : unknown;
    if (!lane.acquire()) {
      refused.incrementAndGet();
      throw new KeyLookupsBusyException(lane.limit());
    }
    return runHolding(lane, lookup);
  }

  /** Runs the re-check of a live key if a permit is free now; empty (nothing done) if not. */
  <T> Optional<T> refreshIfFree(Supplier<T> lookup) {
    return refreshes.permits().tryAcquire() ? Optional.of(runHolding(refreshes, lookup)) : Optional.empty();
  }

  private <T> T runHolding(Lane lane, Supplier<T> lookup) {
    peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    try {
      return lookup.get();
    } finally {
      inFlight.decrementAndGet();
      lane.permits().release();
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
