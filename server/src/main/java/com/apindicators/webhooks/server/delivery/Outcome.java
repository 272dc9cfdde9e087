package com.apindicators.webhooks.server.delivery;

import java.time.Instant;

/** An attempt's result and what it means for its delivery: the new status, and when to try again if pending. */
public record Outcome(DeliveryJob job, AttemptResult result, DeliveryStatus status, Instant nextAttemptTime) {

  /** Decides the delivery's fate after an attempt: delivered, retried later, or failed. */
  public static Outcome of(DeliveryJob job, AttemptResult r) {
    if (r.delivered()) {
      return new Outcome(job, r, DeliveryStatus.DELIVERED, null);
    }
    if (job.attempt() < job.maxAttempts()) {
      Instant next = Instant.now().plus(Backoff.after(job.attempt(), job.retryInitialMs(), job.retryMaxMs(), r.retryAfter()));
      return new Outcome(job, r, DeliveryStatus.PENDING, next);
    }
    return new Outcome(job, r, DeliveryStatus.FAILED, null);
  }
}
