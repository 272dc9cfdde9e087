package com.apindicators.webhooks.server.events;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per account for PublishEvent, held in this process (several processes each allow the rate).
 * Broadcasts (no account) share one bucket of their own.
 */
public final class PublishRate {
  /** Buckets kept before idle (full) ones are forgotten: bounds memory when many accounts publish. */
  static final int MAX_BUCKETS = 10_000;
  private static final String BROADCASTS = "";
  private final double perNano;
  private final int burst;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  /**
   * @param perSecond publishes an account may make per second, on average
   * @param burst publishes an account may make at once after being idle
   */
  public PublishRate(double perSecond, int burst) {
    this(perSecond, burst, System::nanoTime);
  }

  PublishRate(double perSecond, int burst, LongSupplier nanoTime) {
    if (perSecond <= 0 || burst < 1) {
      throw new IllegalArgumentException("publish rate and burst must be positive");
    }
    this.perNano = perSecond / 1e9;
    this.burst = burst;
    this.nanoTime = nanoTime;
  }

  /** Takes one publish for the account (null: a broadcast); zero if allowed, else how long until one is. */
  public Duration take(String accountId) {
    long now = nanoTime.getAsLong();
    if (buckets.size() > MAX_BUCKETS) {
      buckets.values().removeIf(b -> b.isFull(now));
    }
    return buckets.computeIfAbsent(accountId == null ? BROADCASTS : accountId, k -> new Bucket(now)).take(now);
  }

  private final class Bucket {
    private double tokens = burst;
    private long last;

    Bucket(long now) {
      last = now;
    }

    synchronized Duration take(long now) {
      refill(now);
      if (tokens >= 1) {
        tokens -= 1;
        return Duration.ZERO;
      }
      return Duration.ofNanos((long) Math.ceil((1 - tokens) / perNano));
    }

    synchronized boolean isFull(long now) {
      refill(now);
      return tokens >= burst;
    }

    private void refill(long now) {
      tokens = Math.min(burst, tokens + (now - last) * perNano);
      last = now;
    }
  }
}
