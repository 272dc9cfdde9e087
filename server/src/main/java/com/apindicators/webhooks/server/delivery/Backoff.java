package com.apindicators.webhooks.server.delivery;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with jitter between a webhook's initial and max backoff. */
public final class Backoff {
  private Backoff() {}

  /**
   * The wait before the attempt after {@code attempt} (1-based): initial x 2^(attempt-1), capped at max, then
   * jittered into its upper half (never below initial); a receiver's Retry-After is honoured up to max.
   */
  public static Duration after(int attempt, long initialMs, long maxMs, Duration retryAfter) {
    double exp = initialMs * Math.pow(2, Math.min(attempt - 1, 40));
    long capped = (long) Math.min(exp, maxMs);
    long jittered = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    long delay = Math.max(initialMs, jittered);
    if (retryAfter != null) {
      delay = Math.max(delay, Math.min(retryAfter.toMillis(), maxMs));
    }
    return Duration.ofMillis(delay);
  }
}
