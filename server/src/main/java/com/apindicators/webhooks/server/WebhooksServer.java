package com.apindicators.webhooks.server;

import com.apindicators.webhooks.server.api.AccountGrpcService;
import com.apindicators.webhooks.server.api.ApiKeyGrpcService;
import com.apindicators.webhooks.server.api.AuthInterceptor;
import com.apindicators.webhooks.server.security.ApiKeys;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import com.apindicators.webhooks.server.api.DeliveryGrpcService;
import com.apindicators.webhooks.server.api.DeliveryWatches;
import com.apindicators.webhooks.server.stream.ChangeFeed;
import com.apindicators.webhooks.server.stream.ChangeLog;
import com.apindicators.webhooks.server.stream.WatchHub;
import com.apindicators.webhooks.server.api.EventGrpcService;
import com.apindicators.webhooks.server.delivery.DeliveryEngine;
import com.apindicators.webhooks.server.delivery.DeliveryLog;
import com.apindicators.webhooks.server.events.Publisher;
import com.apindicators.webhooks.server.api.WebhookGrpcService;
import com.apindicators.webhooks.server.config.Metrics;
import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.server.config.Transport;
import com.apindicators.webhooks.server.registry.Accounts;
import com.apindicators.webhooks.server.registry.Webhooks;
import com.apindicators.webhooks.server.store.Database;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Wires the components over one database and serves them over gRPC; owns start, stop and waiting. */
public final class WebhooksServer {
  /** Unsent updates one watch stream may hold before it is cut off with RESOURCE_EXHAUSTED. */
  public static final int WATCH_BUFFER = 1000;
  /** Live updates a watch may collect while it replays from its token. */
  private static final int MAX_PENDING_LIVE = 50_000;
  private final Server server;
  private final HealthStatusManager health = new HealthStatusManager();
  private final DeliveryEngine engine;
  private final WatchHub hub;
  private final ChangeFeed feed;
  private final Metrics metrics = new Metrics();

  public WebhooksServer(ServerBuilder<?> builder, Database db, ServerConfig config, ApiKeys apiKeys, SecretBox secrets) {
    Accounts accounts = new Accounts(db.jdbi());
    Webhooks webhooks = new Webhooks(db.jdbi(), secrets);
    webhooks.sealPlaintextSecrets();
    this.engine = new DeliveryEngine(db.jdbi(),
        DeliveryEngine.Settings.defaults(config.dispatcherConcurrency(), config.allowPrivateTargets())
            .withLease(config.lease()),
        secrets, metrics);
    Publisher publisher = new Publisher(db.jdbi(), engine.nodeId(), engine.leaseMillis(), engine::acceptNew);
    this.hub = new WatchHub(db.jdbi(), db.jdbi().withExtension(ChangeLog.class, ChangeLog::lastId), MAX_PENDING_LIVE);
    this.feed = new ChangeFeed(db.dataSource(), db.jdbi(), hub);
    DeliveryWatches watches = new DeliveryWatches(hub, db.jdbi(), WATCH_BUFFER);
    metrics.gauge("webhooks_watchers", "Open WatchDeliveries streams on this process", hub::watchers);
    this.server = builder
        .maxInboundMessageSize(Transport.MAX_INBOUND_MESSAGE_BYTES)
        .maxInboundMetadataSize(Transport.MAX_INBOUND_METADATA_BYTES)
        .addService(new AccountGrpcService(accounts))
        .addService(new WebhookGrpcService(webhooks, new TargetGuard(config.allowPrivateTargets())))
        .addService(new EventGrpcService(publisher))
        .addService(new DeliveryGrpcService(new DeliveryLog(db.jdbi()), engine, webhooks, watches))
        .addService(new ApiKeyGrpcService(apiKeys))
        .intercept(new AuthInterceptor(apiKeys))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(io.grpc.protobuf.services.ProtoReflectionService.newInstance()) // v1alpha, for tools that speak only it
        .build();
  }

  public void start() throws IOException {
    server.start();
    feed.start();
    health.setStatus("", ServingStatus.SERVING);
  }

  /** This server's metrics, to serve over HTTP. */
  public Metrics metrics() {
    return metrics;
  }

  /** How many watch streams are open. */
  public int watchers() {
    return hub.watchers();
  }

  /** The port it listens on (for a Netty server). */
  public int port() {
    return server.getPort();
  }

  /**
   * Stops taking calls, lets running ones finish for up to 5 seconds, then cancels the rest; then lets
   * deliveries in flight finish and releases the leases of those not started.
   */
  public void stop() {
    health.enterTerminalState();
    hub.close();
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      engine.close();
      feed.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
  }

  public void blockUntilShutdown() throws InterruptedException {
    server.awaitTermination();
  }
}
