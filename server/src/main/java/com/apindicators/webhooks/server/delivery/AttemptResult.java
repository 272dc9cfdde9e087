package com.apindicators.webhooks.server.delivery;

import java.time.Duration;
import java.time.Instant;

/**
 * What one HTTP attempt came to.
 *
 * @param responseCode the HTTP status, 0 when there was no response
 * @param responseBody the first 16 KiB of the response body
 * @param error a human-readable reason when it did not succeed, empty on 2xx
 * @param retryAfter the receiver's Retry-After on 429/503, or null
 */
public record AttemptResult(
    Instant startTime, Duration duration, int responseCode, String responseBody, String error, Duration retryAfter) {

  /** A 2xx answer. */
  public boolean delivered() {
    return responseCode >= 200 && responseCode < 300;
  }
}
