package com.apindicators.webhooks.server;

import com.apindicators.webhooks.server.config.Limits;
import com.apindicators.webhooks.server.config.Metrics;
import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.server.security.AdminKeyBootstrap;
import com.apindicators.webhooks.server.security.ApiKeys;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.store.Database;
import com.apindicators.webhooks.server.store.Retention;
import com.apindicators.webhooks.server.config.Transport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Starts the server from flags and {@code WEBHOOKS_*} environment variables, and stops it on Ctrl-C. */
@Command(name = "webhooks-server", mixinStandardHelpOptions = true,
    description = "APIndicators Webhooks: delivers platform events as signed HTTP POSTs, over a gRPC API.")
public final class Main implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(Main.class);
  /** The longest --shutdown-grace: past it an orchestrator would have killed the process anyway. */
  static final int MAX_SHUTDOWN_GRACE_SECONDS = 3600;
  static final int MAX_LEASE_SECONDS = 86_400;
  /** The shortest lease an attempt cannot outlive: started up to half of it late, then the 10 s timeout. */
  static final int SAFE_LEASE_SECONDS = 25;

  @Option(names = "--port", defaultValue = "${env:WEBHOOKS_PORT:-50051}",
      description = "gRPC port (env WEBHOOKS_PORT, default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--bind", defaultValue = "${env:WEBHOOKS_BIND}",
      description = "Address to serve gRPC on, e.g. 127.0.0.1 or one interface's address;"
          + " default every interface (env WEBHOOKS_BIND).")
  String bind;

  @Option(names = "--data-dir", defaultValue = "${env:WEBHOOKS_DATA_DIR:-data}",
      description = "Data directory for the embedded PostgreSQL and key files (env WEBHOOKS_DATA_DIR, default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--database-url", defaultValue = "${env:WEBHOOKS_DATABASE_URL}",
      description = "JDBC URL of a PostgreSQL to use instead of the embedded one, e.g. "
          + "jdbc:postgresql://db:5432/webhooks?user=u&password=p (env WEBHOOKS_DATABASE_URL).")
  String databaseUrl;

  @Option(names = "--allow-private-targets", defaultValue = "${env:WEBHOOKS_ALLOW_PRIVATE_TARGETS:-false}",
      description = "Let webhooks target loopback and private addresses, for local development (env WEBHOOKS_ALLOW_PRIVATE_TARGETS).")
  boolean allowPrivateTargets;

  @Option(names = "--dispatcher-concurrency", defaultValue = "${env:WEBHOOKS_DISPATCHER_CONCURRENCY:-256}",
      description = "Deliveries in flight at once (env WEBHOOKS_DISPATCHER_CONCURRENCY, default ${DEFAULT-VALUE}).")
  int dispatcherConcurrency;

  @Option(names = "--endpoint-floor", defaultValue = "${env:WEBHOOKS_ENDPOINT_FLOOR:-4}",
      description = "Attempts in flight one account may always have at one endpoint (scheme, host, port), even one"
          + " that has not answered lately; beyond it an endpoint earns slots by answering 2xx"
          + " (env WEBHOOKS_ENDPOINT_FLOOR, default ${DEFAULT-VALUE}).")
  int endpointFloor;

  @Option(names = "--endpoint-concurrency", defaultValue = "${env:WEBHOOKS_ENDPOINT_CONCURRENCY:-0}",
      description = "The most attempts in flight one account may have at one endpoint, however fast it answers;"
          + " 0 = a quarter of --dispatcher-concurrency, at most 32 (env WEBHOOKS_ENDPOINT_CONCURRENCY, default ${DEFAULT-VALUE}).")
  int endpointConcurrency;

  @Option(names = "--dispatcher-queue", defaultValue = "${env:WEBHOOKS_DISPATCHER_QUEUE:-10000}",
      description = "Leased deliveries that may wait in this process's memory in all; the rest wait in the database"
          + " (env WEBHOOKS_DISPATCHER_QUEUE, default ${DEFAULT-VALUE}).")
  int dispatcherQueue;

  @Option(names = "--lease-seconds", defaultValue = "${env:WEBHOOKS_LEASE_SECONDS:-60}",
      description = "How long a claimed delivery is this process's before another process may take it over after a crash,"
          + " 1-86400; keep it at least 25: an attempt may start up to half the lease after the claim and run for the"
          + " 10 s timeout, and one that outlives its lease may be sent again by another process"
          + " (env WEBHOOKS_LEASE_SECONDS, default ${DEFAULT-VALUE}).")
  int leaseSeconds;

  @Option(names = "--publish-rate", defaultValue = "${env:WEBHOOKS_PUBLISH_RATE:-1000}",
      description = "PublishEvent, ResendEvent and RedeliverDelivery calls per second each account may make, per server"
          + " process; broadcasts share one such budget (env WEBHOOKS_PUBLISH_RATE, default ${DEFAULT-VALUE}).")
  double publishRate;

  @Option(names = "--publish-burst", defaultValue = "${env:WEBHOOKS_PUBLISH_BURST:-2000}",
      description = "PublishEvent, ResendEvent and RedeliverDelivery calls an idle account may make at once"
          + " (env WEBHOOKS_PUBLISH_BURST, default ${DEFAULT-VALUE}).")
  int publishBurst;

  @Option(names = "--max-watches-per-key", defaultValue = "${env:WEBHOOKS_MAX_WATCHES_PER_KEY:-100}",
      description = "WatchDeliveries streams one API key may hold open at once, per server process"
          + " (env WEBHOOKS_MAX_WATCHES_PER_KEY, default ${DEFAULT-VALUE}).")
  int maxWatchesPerKey;

  // --max-calls-per-key is its name from when the limit was per key: kept, as documented, for existing deployments.
  @Option(names = {"--max-calls-per-account", "--max-calls-per-key"},
      defaultValue = "${env:WEBHOOKS_MAX_CALLS_PER_ACCOUNT:-${env:WEBHOOKS_MAX_CALLS_PER_KEY:-"
          + Limits.DEFAULT_CALLS_PER_ACCOUNT + "}}",
      description = "Unary calls one account may have in progress at once, all its API keys together, per server"
          + " process; one more answers RESOURCE_EXHAUSTED (admin keys and WatchDeliveries streams are not counted)."
          + " --max-calls-per-key is its older name (env WEBHOOKS_MAX_CALLS_PER_ACCOUNT, or the older"
          + " WEBHOOKS_MAX_CALLS_PER_KEY; default ${DEFAULT-VALUE}).")
  int maxCallsPerAccount;

  @Option(names = "--shutdown-grace", defaultValue = "${env:WEBHOOKS_SHUTDOWN_GRACE:-15}",
      description = "Seconds a stop (SIGTERM) lets attempts in flight finish before releasing their leases to other"
          + " processes (env WEBHOOKS_SHUTDOWN_GRACE, default ${DEFAULT-VALUE}).")
  int shutdownGrace;

  @Option(names = "--retention-days", defaultValue = "${env:WEBHOOKS_RETENTION_DAYS:-30}",
      description = "Days events, deliveries and their attempts are kept; older whole days (UTC) are dropped, except a"
          + " day something pending still needs. Also how long an idempotency key is remembered"
          + " (env WEBHOOKS_RETENTION_DAYS, default ${DEFAULT-VALUE}).")
  int retentionDays;

  @Option(names = "--change-log-days", defaultValue = "${env:WEBHOOKS_CHANGE_LOG_DAYS:-7}",
      description = "Days the delivery change log is kept: WatchDeliveries resume tokens older than it answer OUT_OF_RANGE"
          + " (env WEBHOOKS_CHANGE_LOG_DAYS, default ${DEFAULT-VALUE}).")
  int changeLogDays;

  @Option(names = "--admin-key-file", defaultValue = "${env:WEBHOOKS_ADMIN_KEY_FILE}",
      description = "File holding the admin API key: read if it exists, else created with a new key (mode 600);"
          + " default <data-dir>/admin.key (env WEBHOOKS_ADMIN_KEY_FILE).")
  Path adminKeyFile;

  @Option(names = "--admin-key", defaultValue = "${env:WEBHOOKS_ADMIN_KEY}", hidden = true,
      description = "An admin API key to accept (prefer the environment variable WEBHOOKS_ADMIN_KEY).")
  String adminKey;

  @Option(names = "--tls-cert", defaultValue = "${env:WEBHOOKS_TLS_CERT}",
      description = "PEM certificate chain: serve TLS (env WEBHOOKS_TLS_CERT).")
  Path tlsCert;

  @Option(names = "--tls-key", defaultValue = "${env:WEBHOOKS_TLS_KEY}",
      description = "PEM private key (PKCS#8) for --tls-cert (env WEBHOOKS_TLS_KEY).")
  Path tlsKey;

  @Option(names = "--tls-client-ca", defaultValue = "${env:WEBHOOKS_TLS_CLIENT_CA}",
      description = "PEM CA certificates: require client certificates signed by them (mutual TLS; env WEBHOOKS_TLS_CLIENT_CA).")
  Path tlsClientCa;

  @Option(names = "--metrics-port", defaultValue = "${env:WEBHOOKS_METRICS_PORT:-0}",
      description = "Serve Prometheus metrics on this port at /metrics; 0 = off (env WEBHOOKS_METRICS_PORT, default ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(names = "--metrics-bind", defaultValue = "${env:WEBHOOKS_METRICS_BIND:-127.0.0.1}",
      description = "Address to serve metrics on (env WEBHOOKS_METRICS_BIND, default ${DEFAULT-VALUE}: this machine only).")
  String metricsBind;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).setExecutionExceptionHandler((e, cmd, parsed) -> {
      log.error("Could not start: {}", e.getMessage() != null ? e.getMessage() : e.toString());
      log.debug("Start failure", e);
      return 1;
    }).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if ((tlsCert == null) != (tlsKey == null) || (tlsClientCa != null && tlsCert == null)) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--tls-cert and --tls-key go together, and --tls-client-ca needs them");
    }
    if (dispatcherConcurrency < 1 || dispatcherConcurrency > 10_000) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--dispatcher-concurrency must be 1-10000");
    }
    for (String[] address : new String[][] {{"--bind", blankToNull(bind)}, {"--metrics-bind", metricsBind}}) {
      if (address[1] != null && !isAddress(address[1])) {
        throw new CommandLine.ParameterException(new CommandLine(this), address[0] + " " + address[1]
            + " is not an address: give one of this machine's IP addresses, such as 127.0.0.1");
      }
    }
    if (endpointFloor < 1 || endpointFloor > dispatcherConcurrency) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--endpoint-floor must be 1 to --dispatcher-concurrency");
    }
    if (endpointConcurrency < 0 || endpointConcurrency > dispatcherConcurrency) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--endpoint-concurrency must be 0 (automatic) to --dispatcher-concurrency");
    }
    if (dispatcherQueue < 1 || dispatcherQueue > 1_000_000) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--dispatcher-queue must be 1-1000000");
    }
    if (leaseSeconds < 1 || leaseSeconds > MAX_LEASE_SECONDS) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--lease-seconds must be 1-" + MAX_LEASE_SECONDS);
    }
    if (leaseSeconds < SAFE_LEASE_SECONDS) {
      log.warn("--lease-seconds {} is below {}: an attempt that starts late in its lease may outlive it, and another"
          + " process may send the delivery again meanwhile (a duplicate POST)", leaseSeconds, SAFE_LEASE_SECONDS);
    }
    if (shutdownGrace < 0 || shutdownGrace > MAX_SHUTDOWN_GRACE_SECONDS) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--shutdown-grace must be 0-" + MAX_SHUTDOWN_GRACE_SECONDS + " seconds");
    }
    if (!(publishRate > 0) || publishBurst < 1 || maxWatchesPerKey < 1 || maxCallsPerAccount < 1) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--publish-rate, --publish-burst, --max-watches-per-key and --max-calls-per-account (--max-calls-per-key)"
              + " must be positive");
    }
    if (retentionDays < 1 || retentionDays > Retention.MAX_DAYS || changeLogDays < 1 || changeLogDays > Retention.MAX_DAYS) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--retention-days and --change-log-days must be 1-" + Retention.MAX_DAYS);
    }
    ServerConfig config = new ServerConfig(port, dataDir, blankToNull(databaseUrl), allowPrivateTargets,
        dispatcherConcurrency, Duration.ofSeconds(leaseSeconds), endpointFloor, endpointConcurrency, dispatcherQueue,
        ServerConfig.ATTEMPT_TIMEOUT, new Limits(publishRate, publishBurst, maxWatchesPerKey, maxCallsPerAccount), retentionDays,
        changeLogDays);
    Database db = config.databaseUrl() == null
        ? Database.embedded(config.dataDir(), 16)
        : Database.connect(config.databaseUrl(), 16);
    Transport.Tls tls = new Transport.Tls(tlsCert, tlsKey, tlsClientCa);
    WebhooksServer started = null;
    try {
      ApiKeys apiKeys = new ApiKeys(db.jdbi());
      AdminKeyBootstrap.ensure(apiKeys, blankToNull(adminKey),
          adminKeyFile != null ? adminKeyFile : config.dataDir().resolve("admin.key"));
      started = new WebhooksServer(Transport.netty(blankToNull(bind), config.port(), tls), db, config, apiKeys,
          SecretBox.load(System.getenv("WEBHOOKS_MASTER_KEY"), config.dataDir().resolve("master.key")));
      started.start();
      if (metricsPort > 0) {
        serveMetrics(started);
      }
    } catch (Exception e) {
      if (started != null) {
        started.stop();
      }
      db.close(); // an embedded PostgreSQL must not outlive a failed start
      throw e;
    }
    WebhooksServer server = started;
    // Before the line that says we listen: a stop that follows it at once must find the hook in place.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.stop(Duration.ofSeconds(shutdownGrace));
      try {
        db.close();
      } catch (Exception e) {
        log.warn("Closing the database failed", e);
      }
    }, "shutdown"));
    log.info("APIndicators Webhooks listening on port {} of {} (gRPC, {}), using {}{}", server.port(),
        bind == null || bind.isBlank() ? "every interface" : bind,
        !tls.enabled() ? "plaintext" : tls.clientCa() == null ? "TLS" : "TLS with client certificates", db.description(),
        allowPrivateTargets ? "; private targets allowed" : "");
    server.blockUntilShutdown();
    return 0;
  }

  private void serveMetrics(WebhooksServer server) throws IOException {
    Metrics.Endpoint metrics;
    try {
      metrics = server.metrics().serve(metricsBind, metricsPort);
    } catch (IOException e) {
      throw new IOException("cannot serve metrics on port " + metricsPort + " of " + metricsBind + " (" + e.getMessage()
          + "); choose another --metrics-port", e);
    }
    log.info("Prometheus metrics on http://{}:{}{}", metrics.address().getAddress().getHostAddress(),
        metrics.address().getPort(), Metrics.PATH);
  }

  private static boolean isAddress(String s) {
    try {
      java.net.InetAddress.getByName(s);
      return true;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
