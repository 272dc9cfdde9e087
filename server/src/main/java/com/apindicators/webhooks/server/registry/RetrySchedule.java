package com.apindicators.webhooks.server.registry;

import java.time.Duration;

/**
 * The most a delivery's attempts can take: how many attempts at most, and the longest waits between them in all
 * (each wait is at most the retry policy's max backoff, a receiver's Retry-After included).
 */
public record RetrySchedule(int attempts, Duration waits) {
  /** How long after its first attempt starts its last can end, at most, each attempt taking at most {@code timeout}. */
  public Duration longest(Duration timeout) {
    return waits.plus(timeout.multipliedBy(attempts));
  }
}
