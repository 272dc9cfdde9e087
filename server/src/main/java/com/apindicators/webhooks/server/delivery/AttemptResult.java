package com.apindicators.webhooks.server.delivery;

import java.time.Duration;
import java.time.Instant;

/**
 * What one HTTP attempt came to. Its texts come from outside, so they are made storable here (see {@link StoredText}).
 *
 * @param responseCode the HTTP status, 0 when there was no response
 * @param responseBody the first 16 KiB of the response body
 * @param error a human-readable reason when it did not succeed (at most 1 KiB), empty on 2xx
 * @param retryAfter the receiver's Retry-After on 429/503, or null
 */
public record AttemptResult(
    Instant startTime, Duration duration, int responseCode, String responseBody, String error, Duration retryAfter) {

  public AttemptResult {
    responseBody = StoredText.cleanToBytes(responseBody, HttpSender.MAX_RESPONSE_BODY_BYTES);
    error = StoredText.clean(error, StoredText.MAX_ERROR_CHARS);
  }

  /** A 2xx answer. */
  public boolean delivered() {
    return responseCode >= 200 && responseCode < 300;
  }
}
