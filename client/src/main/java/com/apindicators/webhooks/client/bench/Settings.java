package com.apindicators.webhooks.client.bench;

import java.time.Duration;

/**
 * The sizes of the workloads (defaults: those of the performance issue's table).
 *
 * @param webhooks throughput: webhooks on the receiver
 * @param events throughput: events, each to every one of those webhooks
 * @param publishers threads publishing at once (calls in flight)
 * @param fanoutWebhooks fanout: webhooks one event goes to, spread over fanoutAccounts accounts
 * @param fanoutAccounts fanout: accounts
 * @param rate latency and isolation: events per second
 * @param duration latency, publish and isolation: how long to publish
 * @param watchers latency: WatchDeliveries streams open during the run
 * @param broadcast fanout publishes one broadcast (only on a server of the bench's own: it reaches every account)
 */
record Settings(int webhooks, int events, int publishers, int fanoutWebhooks, int fanoutAccounts, int rate,
    Duration duration, int watchers, boolean broadcast) {

  /** Accounts the steady workloads spread over (the publish rate limit is per account). */
  static final int STEADY_ACCOUNTS = 10;
  /** Isolation: fast webhooks, and webhooks on endpoints that never answer, and how many such endpoints. */
  static final int FAST_WEBHOOKS = 50;
  static final int HANGING_WEBHOOKS = 64;
  static final int HANGING_ENDPOINTS = 16;
  /** How long the bench waits for the last deliveries of a workload. */
  static final Duration SETTLE = Duration.ofMinutes(2);

  /** The same settings publishing for another duration. */
  Settings lasting(Duration other) {
    return new Settings(webhooks, events, publishers, fanoutWebhooks, fanoutAccounts, rate, other, watchers, broadcast);
  }
}
