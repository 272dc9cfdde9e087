package com.apindicators.webhooks.server;

import com.apindicators.webhooks.server.api.AccountGrpcService;
import com.apindicators.webhooks.server.api.ApiKeyGrpcService;
import com.apindicators.webhooks.server.api.AuthInterceptor;
import com.apindicators.webhooks.server.api.DatabaseGate;
import com.apindicators.webhooks.server.api.CallGuard;
import com.apindicators.webhooks.server.api.CallMetrics;
import com.apindicators.webhooks.server.api.CallQuota;
import com.apindicators.webhooks.server.delivery.Backlog;
import com.apindicators.webhooks.server.api.Pages;
import com.apindicators.webhooks.server.api.ResumeTokens;
import com.apindicators.webhooks.server.api.StreamsByKey;
import com.apindicators.webhooks.server.security.SealedTokens;
import com.apindicators.webhooks.server.security.ApiKeys;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import com.apindicators.webhooks.server.api.DeliveryGrpcService;
import com.apindicators.webhooks.server.api.DeliveryWatches;
import com.apindicators.webhooks.server.stream.ChangeFeed;
import com.apindicators.webhooks.server.delivery.ChangeLog;
import com.apindicators.webhooks.server.stream.WatchHub;
import com.apindicators.webhooks.server.api.EventGrpcService;
import com.apindicators.webhooks.server.delivery.DeliveryEngine;
import com.apindicators.webhooks.server.delivery.DeliveryLog;
import com.apindicators.webhooks.server.delivery.OverdueDeliveries;
import com.apindicators.webhooks.server.events.PublishRate;
import com.apindicators.webhooks.server.events.EventLog;
import com.apindicators.webhooks.server.events.Publisher;
import com.apindicators.webhooks.server.api.WebhookGrpcService;
import com.apindicators.webhooks.server.config.Metrics;
import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.server.config.Transport;
import com.apindicators.webhooks.server.registry.Accounts;
import com.apindicators.webhooks.server.registry.SecretRotation;
import com.apindicators.webhooks.server.registry.Webhooks;
import com.apindicators.webhooks.server.store.Database;
import com.apindicators.webhooks.server.store.DatabaseHealth;
import com.apindicators.webhooks.server.store.Retention;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the components over one database and serves them over gRPC; owns start, stop and waiting. */
public final class WebhooksServer {
  /** How long a stop waits for attempts in flight by default (the flag --shutdown-grace). */
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(15);
  private static final Logger log = LoggerFactory.getLogger(WebhooksServer.class);
  /** Unsent updates one watch stream may hold before it is cut off with RESOURCE_EXHAUSTED. */
  public static final int WATCH_BUFFER = 1000;
  /** Live updates a watch may collect while it replays from its token. */
  private static final int MAX_PENDING_LIVE = 50_000;
  private final Server server;
  private final HealthStatusManager health = new HealthStatusManager();
  private final DeliveryEngine engine;
  private final WatchHub hub;
  private final StreamsByKey streamsByKey;
  private final ChangeFeed feed;
  private final Metrics metrics = new Metrics();
  private final DatabaseHealth databaseHealth;
  private final Retention retention;

  public WebhooksServer(ServerBuilder<?> builder, Database db, ServerConfig config, ApiKeys apiKeys, SecretBox secrets) {
    Accounts accounts = new Accounts(db.jdbi());
    this.retention = new Retention(db.jdbi(), config.retentionDays(), config.changeLogDays(),
        new OverdueDeliveries(db.jdbi(), config.retentionDays())::endBefore);
    // Deletions come only from calls, so after the engine is built.
    Webhooks webhooks = new Webhooks(db.jdbi(), secrets, this::webhookDeleted, this::secretRotated);
    webhooks.sealPlaintextSecrets();
    this.engine = new DeliveryEngine(db.jdbi(), DeliveryEngine.Settings.of(config), secrets, metrics);
    Publisher publisher = new Publisher(db.jdbi(), engine.nodeId(), engine.leaseMillis(), engine,
        metrics::eventPublished);
    this.hub = new WatchHub(db.jdbi(), db.jdbi().withHandle(ChangeLog::lastId), MAX_PENDING_LIVE);
    this.feed = new ChangeFeed(db.dataSource(), db.jdbi(), hub);
    SealedTokens tokens = new SealedTokens(secrets);
    Pages pages = new Pages(tokens);
    DeliveryLog deliveryLog = new DeliveryLog(db.jdbi());
    this.streamsByKey = new StreamsByKey(apiKeys::revokedAmong);
    DeliveryWatches watches = new DeliveryWatches(hub, WATCH_BUFFER, new ResumeTokens(tokens),
        config.limits().watchesPerKey(), config.changeLogDays(), streamsByKey);
    this.databaseHealth = new DatabaseHealth(db.dataSource(), 1000, up -> setHealth(up ? ServingStatus.SERVING
        : ServingStatus.NOT_SERVING));
    OperationalMetrics.register(metrics, db, hub, new Backlog(db.jdbi(), feed::position, databaseHealth::isUp));
    Map<String, IntSupplier> deletesWaiting = new LinkedHashMap<>();
    deletesWaiting.put("account", webhooks::deletesWaitingForAccount);
    deletesWaiting.put("process", webhooks::deletesWaitingForPermit);
    metrics.gauge("webhooks_deletes_waiting", "DeleteWebhook calls waiting for their account's turn (another delete of"
        + " the account runs) or for a process-wide permit for their next step", "queue", deletesWaiting);
    metrics.gauge("webhooks_key_lookups_in_flight", "API keys being looked up in the database now (bounded; keys"
        + " accepted lately are not looked up)", apiKeys::lookupsInFlight);
    metrics.counter("webhooks_key_lookups_refused", "Calls refused with UNAVAILABLE (AUTH_BUSY) because their key had"
        + " to be looked up while the lookups were all in progress", apiKeys::lookupsRefused);
    CallQuota callQuota = new CallQuota(config.limits().callsPerAccount());
    metrics.gauge("webhooks_account_calls_in_flight", "Unary calls of account keys in progress on this process",
        callQuota::inFlight);
    metrics.counter("webhooks_calls_over_account_limit", "Unary calls refused with RESOURCE_EXHAUSTED because their"
        + " account had --max-calls-per-account calls in progress (all its keys together)", callQuota::refused);
    // One budget for publishes, resends and redeliveries of each account.
    PublishRate publishRate = new PublishRate(config.limits().publishPerSecond(), config.limits().publishBurst());
    this.server = builder
        .maxInboundMessageSize(Transport.MAX_INBOUND_MESSAGE_BYTES)
        .maxInboundMetadataSize(Transport.MAX_INBOUND_METADATA_BYTES)
        .addService(CallGuard.wrap(new AccountGrpcService(accounts)))
        .addService(CallGuard.wrap(new WebhookGrpcService(webhooks, new TargetGuard(config.allowPrivateTargets()), pages)))
        .addService(CallGuard.wrap(new EventGrpcService(publisher, publishRate,
            new EventLog(db.jdbi()), webhooks, deliveryLog, pages, retention, config.attemptTimeout())))
        .addService(CallGuard.wrap(new DeliveryGrpcService(deliveryLog, engine, webhooks, watches, pages, retention,
            publishRate, config.attemptTimeout())))
        .addService(CallGuard.wrap(new ApiKeyGrpcService(apiKeys, pages)))
        // Added before the key check, so it runs after it and finds the caller in the Context.
        .intercept(callQuota)
        .intercept(new AuthInterceptor(apiKeys))
        // Added last, so it runs first: no key lookup while the database is unreachable.
        .intercept(new DatabaseGate(databaseHealth::isUp))
        // Last, so it runs first and counts every call, those the gate or the key check refuse too.
        .intercept(new CallMetrics(metrics))
        .addService(CallGuard.wrap(health.getHealthService()))
        .addService(CallGuard.wrap(ProtoReflectionServiceV1.newInstance()))
        // v1alpha too, for tools that speak only it
        .addService(CallGuard.wrap(io.grpc.protobuf.services.ProtoReflectionService.newInstance()))
        .build();
  }

  private void webhookDeleted(String webhookId) {
    engine.webhookDeleted(webhookId);
  }

  private void secretRotated(SecretRotation rotation) {
    engine.secretRotated(rotation);
  }

  public void start() throws IOException {
    // Before serving: an insert needs its day's partition.
    retention.start();
    server.start();
    feed.start();
    setHealth(ServingStatus.SERVING);
    databaseHealth.start();
  }

  /** Sets the health of the server ("") and of each of its services by name. */
  private void setHealth(ServingStatus status) {
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
    for (ServerServiceDefinition s : server.getServices()) {
      health.setStatus(s.getServiceDescriptor().getName(), status);
    }
  }

  /** This server's metrics, to serve over HTTP. */
  public Metrics metrics() {
    return metrics;
  }

  /** How many watch streams are open. */
  public int watchers() {
    return hub.watchers();
  }

  /** The last change-log id this process's feed has handed to its watchers, or passed while nobody watched. */
  public long changeFeedPosition() {
    return feed.position();
  }

  /** The port it listens on (for a Netty server). */
  public int port() {
    return server.getPort();
  }

  /** Drains and stops with the default grace: see {@link #stop(Duration)}. */
  public void stop() {
    stop(DEFAULT_SHUTDOWN_GRACE);
  }

  /**
   * Drains, then stops: health says NOT_SERVING first (load balancers stop sending here), new calls are refused and
   * watch streams end with UNAVAILABLE; deliveries held but not started are released at once for other processes;
   * running calls get up to 5 seconds and attempts in flight up to the grace to finish, and the leases of those
   * still running then are released too.
   */
  public void stop(Duration grace) {
    log.info("Draining: health NOT_SERVING; refusing new calls; up to {} s for attempts in flight", grace.toSeconds());
    long deadline = System.nanoTime() + grace.toNanos();
    health.enterTerminalState();
    server.shutdown();
    hub.close();
    streamsByKey.close();
    // Every wait below is bounded; an interrupt (before or during) is kept for the caller, but cannot cut the
    // engine's drain short: it records results and releases leases, and the feed returns its connection.
    boolean interrupted = Thread.interrupted();
    try {
      engine.stopTaking();
    } catch (InterruptedException e) {
      interrupted = true;
    }
    try {
      long calls = Math.min(TimeUnit.SECONDS.toNanos(5), Math.max(0, deadline - System.nanoTime()));
      if (!server.awaitTermination(calls, TimeUnit.NANOSECONDS)) {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      interrupted = true;
      server.shutdownNow();
    }
    try {
      engine.finish(deadline, grace);
    } catch (InterruptedException e) {
      interrupted = true;
    }
    retention.close();
    try {
      feed.close();
      databaseHealth.close();
    } catch (InterruptedException e) {
      interrupted = true;
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  public void blockUntilShutdown() throws InterruptedException {
    server.awaitTermination();
  }
}
