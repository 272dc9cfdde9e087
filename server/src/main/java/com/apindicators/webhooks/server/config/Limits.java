package com.apindicators.webhooks.server.config;

/**
 * Per-tenant limits, enforced in each server process (not shared across processes on one database).
 *
 * @param publishPerSecond PublishEvent calls per second each account may make (broadcasts share one bucket)
 * @param publishBurst how many PublishEvent calls an account may make at once after being idle
 * @param watchesPerKey concurrent WatchDeliveries streams one API key may hold open
 * @param callsPerAccount unary calls one account may have in progress at once, all its keys together (admin keys are
 *     not limited)
 */
public record Limits(double publishPerSecond, int publishBurst, int watchesPerKey, int callsPerAccount) {
  /**
   * Unary calls one account may have in progress by default, all its keys together: half the 16 pooled database
   * connections, so one account's slow calls (each holds at most one connection at a time), however many keys it was
   * given, leave the other half to other tenants and to the delivery pipeline, while a client with 8 calls in flight,
   * as the benchmarks run, is never refused.
   */
  public static final int DEFAULT_CALLS_PER_ACCOUNT = 8;

  /** The limits with the default {@link #DEFAULT_CALLS_PER_ACCOUNT}. */
  public Limits(double publishPerSecond, int publishBurst, int watchesPerKey) {
    this(publishPerSecond, publishBurst, watchesPerKey, DEFAULT_CALLS_PER_ACCOUNT);
  }

  /** The defaults: 1,000 publishes/s, bursts of 2,000 per account, 100 watch streams per key, 8 calls per account. */
  public static Limits defaults() {
    return new Limits(1000, 2000, 100, DEFAULT_CALLS_PER_ACCOUNT);
  }
}
