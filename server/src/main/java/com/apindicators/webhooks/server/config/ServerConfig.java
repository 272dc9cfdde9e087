package com.apindicators.webhooks.server.config;

import java.nio.file.Path;
import java.time.Duration;
import com.apindicators.webhooks.server.store.Retention;

/**
 * Everything the server is configured with.
 *
 * @param port the gRPC port (0 picks a free one)
 * @param dataDir where the embedded PostgreSQL and key files live
 * @param databaseUrl a JDBC URL of an external PostgreSQL, or null for the embedded one
 * @param allowPrivateTargets whether webhooks may target loopback and private addresses (local development)
 * @param dispatcherConcurrency how many deliveries may be in flight at once
 * @param lease how long a claimed delivery belongs to this process before another may take it over
 * @param endpointFloor attempts in flight one account may always have at one endpoint, even with no recent success
 * @param endpointConcurrency the most attempts in flight one account may have at one endpoint; 0 = a quarter of
 *     {@code dispatcherConcurrency}, at most 32
 * @param dispatcherQueue how many leased deliveries may wait in this process's memory in all
 * @param attemptTimeout each attempt's total budget (our docs promise receivers 10 s; shorter only in tests)
 * @param limits per-tenant publish rate, watch stream and calls-in-flight limits
 * @param retentionDays days events, deliveries and attempts are kept (whole UTC days are dropped past it)
 * @param changeLogDays days the change log behind WatchDeliveries resume tokens is kept
 */
public record ServerConfig(
    int port, Path dataDir, String databaseUrl, boolean allowPrivateTargets, int dispatcherConcurrency,
    Duration lease, int endpointFloor, int endpointConcurrency, int dispatcherQueue, Duration attemptTimeout,
    Limits limits, int retentionDays, int changeLogDays) {

  public static final int DEFAULT_ENDPOINT_FLOOR = 4;
  public static final int DEFAULT_DISPATCHER_QUEUE = 10_000;
  public static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(10);

  /** A configuration with the default delivery fairness settings and {@link Limits}. */
  public ServerConfig(int port, Path dataDir, String databaseUrl, boolean allowPrivateTargets, int dispatcherConcurrency,
      Duration lease) {
    this(port, dataDir, databaseUrl, allowPrivateTargets, dispatcherConcurrency, lease, DEFAULT_ENDPOINT_FLOOR, 0,
        DEFAULT_DISPATCHER_QUEUE, ATTEMPT_TIMEOUT, Limits.defaults(), Retention.DEFAULT_DAYS,
        Retention.DEFAULT_CHANGE_LOG_DAYS);
  }

  /** The defaults: port 50051, ./data, embedded PostgreSQL, public targets only. */
  public static ServerConfig defaults() {
    return new ServerConfig(50051, Path.of("data"), null, false, 256, Duration.ofSeconds(60));
  }

  public ServerConfig withAllowPrivateTargets(boolean allow) {
    return new ServerConfig(port, dataDir, databaseUrl, allow, dispatcherConcurrency, lease, endpointFloor,
        endpointConcurrency, dispatcherQueue, attemptTimeout, limits, retentionDays, changeLogDays);
  }

  public ServerConfig withLease(Duration l) {
    return new ServerConfig(port, dataDir, databaseUrl, allowPrivateTargets, dispatcherConcurrency, l, endpointFloor,
        endpointConcurrency, dispatcherQueue, attemptTimeout, limits, retentionDays, changeLogDays);
  }

  /** The same with another attempt timeout (tests). */
  public ServerConfig withAttemptTimeout(Duration t) {
    return new ServerConfig(port, dataDir, databaseUrl, allowPrivateTargets, dispatcherConcurrency, lease, endpointFloor,
        endpointConcurrency, dispatcherQueue, t, limits, retentionDays, changeLogDays);
  }

  public ServerConfig withDispatcherQueue(int q) {
    return new ServerConfig(port, dataDir, databaseUrl, allowPrivateTargets, dispatcherConcurrency, lease, endpointFloor,
        endpointConcurrency, q, attemptTimeout, limits, retentionDays, changeLogDays);
  }

  public ServerConfig withLimits(Limits l) {
    return new ServerConfig(port, dataDir, databaseUrl, allowPrivateTargets, dispatcherConcurrency, lease, endpointFloor,
        endpointConcurrency, dispatcherQueue, attemptTimeout, l, retentionDays, changeLogDays);
  }

  /** The same with other retention settings. */
  public ServerConfig withRetention(int days, int changeLogDays) {
    return new ServerConfig(port, dataDir, databaseUrl, allowPrivateTargets, dispatcherConcurrency, lease, endpointFloor,
        endpointConcurrency, dispatcherQueue, attemptTimeout, limits, days, changeLogDays);
  }

  /** The most attempts in flight per account and endpoint, with 0 resolved to its default. */
  public int endpointMaxInFlight() {
    return endpointConcurrency > 0 ? endpointConcurrency : Math.max(1, Math.min(32, dispatcherConcurrency / 4));
  }
}
