package com.apindicators.webhooks.server.registry;

import java.time.Duration;

/**
 * When a webhook is disabled automatically: after its deliveries failed for a while, or after so many failed in a
 * row ("failed" being a delivery's final status, after any retries). Off unless the webhook opts in.
 *
 * @param afterFailingFor disable once every delivery failed for this long, or null
 * @param afterConsecutiveFailures disable once this many deliveries in a row failed, or 0
 */
public record DisablePolicy(Duration afterFailingFor, int afterConsecutiveFailures) {
  /** The shortest failing period a policy may name: shorter would disable on one bad minute. */
  public static final Duration MIN_FAILING_FOR = Duration.ofMinutes(1);
  /** The longest failing period a policy may name. */
  public static final Duration MAX_FAILING_FOR = Duration.ofDays(30);
  /** The most consecutive failed deliveries a policy may wait for. */
  public static final int MAX_CONSECUTIVE_FAILURES = 10_000;
  /** Never disable automatically: what our public docs promise by default. */
  public static final DisablePolicy NEVER = new DisablePolicy(null, 0);
}
