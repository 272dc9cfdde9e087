package com.apindicators.webhooks.server.config;

/**
 * Per-tenant limits, enforced in each server process (not shared across processes on one database).
 *
 * @param publishPerSecond PublishEvent calls per second each account may make (broadcasts share one bucket)
 * @param publishBurst how many PublishEvent calls an account may make at once after being idle
 * @param watchesPerKey concurrent WatchDeliveries streams one API key may hold open
 */
public record Limits(double publishPerSecond, int publishBurst, int watchesPerKey) {
  /** The defaults: 1,000 publishes/s with a burst of 2,000 per account, 100 watch streams per key. */
  public static Limits defaults() {
    return new Limits(1000, 2000, 100);
  }
}
