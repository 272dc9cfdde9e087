package com.apindicators.webhooks.server.registry;

import java.time.Duration;

/** How many attempts a delivery gets and how long to wait between them. */
public record RetrySettings(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
  public static final int MAX_ATTEMPTS_LIMIT = 10;
  public static final Duration MIN_BACKOFF = Duration.ofMillis(100);
  public static final Duration MAX_BACKOFF_LIMIT = Duration.ofHours(24);
  /** One attempt, no retries: what our public docs promise by default. */
  public static final RetrySettings NONE = new RetrySettings(1, Duration.ofSeconds(1), Duration.ofHours(1));
}
