package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.events.PublishRate;
import java.time.Duration;

/**
 * Takes from an account's publish rate for each call that sends: publishes, resends and redeliveries share it
 * (broadcasts share one of their own). Each such call is a synchronous commit that takes the change log's lock, and
 * a POST: without a bound on all of them, one account's loop of redeliveries slowed every tenant's results.
 */
final class PublishRateGuard {
  private final PublishRate rate;

  PublishRateGuard(PublishRate rate) {
    this.rate = rate;
  }

  /** Takes one call from the account's rate, or refuses with RESOURCE_EXHAUSTED and when to try again. */
  void take(String accountId) {
    Duration wait = rate.take(accountId);
    if (!wait.isZero()) {
      throw Errors.exhausted("PUBLISH_RATE_EXCEEDED", (accountId == null ? "Broadcasts" : "Account '" + accountId
          + "'") + " published, resent or redelivered faster than this server allows; retry after the RetryInfo"
          + " delay (" + wait.toMillis() + " ms), or spread these calls out.", wait);
    }
  }
}
