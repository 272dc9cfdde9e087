package com.apindicators.webhooks.server.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the server is configured with.
 *
 * @param port the gRPC port (0 picks a free one)
 * @param dataDir where the embedded PostgreSQL and key files live
 * @param databaseUrl a JDBC URL of an external PostgreSQL, or null for the embedded one
 * @param allowPrivateTargets whether webhooks may target loopback and private addresses (local development)
 * @param dispatcherConcurrency how many deliveries may be in flight at once
 * @param lease how long a claimed delivery belongs to this process before another may take it over
 * @param limits per-tenant publish rate and watch stream limits
 */
public record ServerConfig(
    int port, Path dataDir, String databaseUrl, boolean allowPrivateTargets, int dispatcherConcurrency,
    Duration lease, Limits limits) {

  /** A configuration with the default {@link Limits}. */
  public ServerConfig(int port, Path dataDir, String databaseUrl, boolean allowPrivateTargets, int dispatcherConcurrency,
      Duration lease) {
    this(port, dataDir, databaseUrl, allowPrivateTargets, dispatcherConcurrency, lease, Limits.defaults());
  }

  /** The defaults: port 50051, ./data, embedded PostgreSQL, public targets only. */
  public static ServerConfig defaults() {
    return new ServerConfig(50051, Path.of("data"), null, false, 256, Duration.ofSeconds(60));
  }

  public ServerConfig withAllowPrivateTargets(boolean allow) {
    return new ServerConfig(port, dataDir, databaseUrl, allow, dispatcherConcurrency, lease, limits);
  }

  public ServerConfig withLease(Duration l) {
    return new ServerConfig(port, dataDir, databaseUrl, allowPrivateTargets, dispatcherConcurrency, l, limits);
  }

  public ServerConfig withLimits(Limits l) {
    return new ServerConfig(port, dataDir, databaseUrl, allowPrivateTargets, dispatcherConcurrency, lease, l);
  }
}
