package com.apindicators.webhooks.server.registry;

import java.time.Instant;

/**
 * How a webhook's endpoint has been answering, as the result writer last recorded it.
 *
 * @param lastStatus the final status of the most recently completed delivery, or null before the first
 * @param recentAttempts how many attempts (at most the last 100) the rate and durations cover
 * @param consecutiveFailures deliveries failed in a row up to the most recent
 * @param failingSince when the current run of failed deliveries began, or null
 */
public record WebhookHealth(String lastStatus, Instant lastTime, int recentAttempts, double successRate, long p50Ms,
    long p99Ms, int consecutiveFailures, Instant failingSince) {
  /** A webhook with no recorded attempts. */
  public static final WebhookHealth NONE = new WebhookHealth(null, null, 0, 0, 0, 0, 0, null);
}
