package com.apindicators.webhooks.server.config;

import java.nio.file.Path;

/**
 * Everything the server is configured with.
 *
 * @param port the gRPC port (0 picks a free one)
 * @param dataDir where the embedded PostgreSQL and key files live
 * @param databaseUrl a JDBC URL of an external PostgreSQL, or null for the embedded one
 * @param allowPrivateTargets whether webhooks may target loopback and private addresses (local development)
 * @param dispatcherConcurrency how many deliveries may be in flight at once
 */
public record ServerConfig(
    int port, Path dataDir, String databaseUrl, boolean allowPrivateTargets, int dispatcherConcurrency) {

  /** The defaults: port 50051, ./data, embedded PostgreSQL, public targets only. */
  public static ServerConfig defaults() {
    return new ServerConfig(50051, Path.of("data"), null, false, 256);
  }

  public ServerConfig withPort(int p) {
    return new ServerConfig(p, dataDir, databaseUrl, allowPrivateTargets, dispatcherConcurrency);
  }

  public ServerConfig withAllowPrivateTargets(boolean allow) {
    return new ServerConfig(port, dataDir, databaseUrl, allow, dispatcherConcurrency);
  }
}
