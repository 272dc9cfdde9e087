package com.apindicators.webhooks.server.registry;

import java.time.Instant;
import java.util.Arrays;

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

  /**
   * The figures of a health row: the rate and the percentiles (nearest rank, as PostgreSQL's percentile_disc) of
   * its last attempts, at most 100, so reading costs a sort of 100 numbers while the writer only appends.
   */
  public static WebhookHealth of(String lastStatus, Instant lastTime, Boolean[] recentOk, Integer[] recentMs,
      int consecutiveFailures, Instant failingSince) {
    int n = recentOk.length;
    long ok = Arrays.stream(recentOk).filter(Boolean.TRUE::equals).count();
    int[] sorted = Arrays.stream(recentMs).mapToInt(Integer::intValue).sorted().toArray();
    return new WebhookHealth(lastStatus, lastTime, n, n == 0 ? 0 : (double) ok / n, percentile(sorted, 0.5),
        percentile(sorted, 0.99), consecutiveFailures, failingSince);
  }

  private static long percentile(int[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)];
  }
}
