package com.apindicators.webhooks.server;

import com.apindicators.webhooks.server.config.Metrics;
import com.apindicators.webhooks.server.delivery.Backlog;
import com.apindicators.webhooks.server.store.Database;
import com.apindicators.webhooks.server.stream.WatchHub;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;

/** Registers the gauges an on-call engineer reads beside the delivery counters: watchers, pool, backlog. */
final class OperationalMetrics {
  private OperationalMetrics() {}

  static void register(Metrics metrics, Database db, WatchHub hub, Backlog backlog) {
    metrics.gauge("webhooks_watchers", "Open WatchDeliveries streams on this process", hub::watchers);
    metrics.counter("webhooks_watchers_fell_behind", "WatchDeliveries streams ended with RESOURCE_EXHAUSTED for"
        + " falling behind", hub::cutOffForFallingBehind);
    HikariPoolMXBean pool = db.pool();
    Map<String, IntSupplier> connections = new LinkedHashMap<>();
    connections.put("active", pool::getActiveConnections);
    connections.put("idle", pool::getIdleConnections);
    metrics.gauge("webhooks_db_pool_connections", "Database connections of this process's pool, by state", "state",
        connections);
    metrics.gauge("webhooks_db_pool_pending_threads", "Threads waiting for a database connection",
        pool::getThreadsAwaitingConnection);
    metrics.gauge("webhooks_db_pool_max_connections", "The most connections this process's pool opens",
        () -> db.maxPoolSize());
    metrics.gauge("webhooks_deliveries_due", "Deliveries due and not claimed by any process (database-wide; counted"
        + " up to " + Backlog.COUNT_CAP + ")", () -> (double) orUnknown(backlog.sample().due()));
    metrics.gauge("webhooks_oldest_due_delivery_age_seconds", "How long the oldest pending delivery whose time has"
        + " come has waited (database-wide; 0 when none)", () -> backlog.sample().oldestDueAgeSeconds());
    metrics.gauge("webhooks_retries_scheduled", "Pending deliveries waiting for a later retry (database-wide;"
        + " counted up to " + Backlog.COUNT_CAP + ")", () -> (double) orUnknown(backlog.sample().retriesScheduled()));
    metrics.gauge("webhooks_change_feed_lag_seconds", "Age of the oldest delivery change this process has not yet"
        + " handed to its watchers (0 when caught up)", () -> backlog.sample().changeFeedLagSeconds());
  }

  private static double orUnknown(long count) {
    return count < 0 ? Double.NaN : count;
  }
}
