package com.apindicators.webhooks.server.config;

import com.apindicators.webhooks.server.registry.EventCatalog;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.io.InputStream;
import java.util.Properties;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The server's Prometheus metrics, named and labelled by Prometheus's conventions (base units, {@code _total}
 * counters, {@code _seconds} durations). Labels take only values from small fixed sets (outcomes, catalog event
 * types, gRPC methods and codes), never an account, webhook or URL, so no caller can grow the series count.
 */
public final class Metrics {
  /** The one path served; every other path is 404. */
  public static final String PATH = "/metrics";
  /** The label value for an event type outside the catalog (none should reach a metric; a guard all the same). */
  static final String OTHER = "other";
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter attempts = Counter.builder().name("webhooks_delivery_attempts_total")
      .help("HTTP delivery attempts by outcome (delivered, failed, or retry: failed with attempts left) and event type")
      .labelNames("outcome", "event_type").register(registry);
  private final Histogram latency = Histogram.builder().name("webhooks_delivery_attempt_duration_seconds")
      .help("Duration of delivery attempts, connect to last byte").register(registry);
  private final Counter published = Counter.builder().name("webhooks_events_published_total")
      .help("Events published (an idempotent repeat is not counted again), by event type")
      .labelNames("event_type").register(registry);
  private final Counter created = Counter.builder().name("webhooks_deliveries_created_total")
      .help("Deliveries created by PublishEvent and ResendEvent").register(registry);
  private final Histogram batches = Histogram.builder().name("webhooks_result_writer_batch_rows")
      .help("Rows (attempt outcomes and creations) per result-writer transaction")
      .classicUpperBounds(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000).register(registry);
  private final Counter callsStarted = Counter.builder().name("grpc_server_started_total")
      .help("gRPC calls started, by service, method and type").labelNames("grpc_service", "grpc_method", "grpc_type")
      .register(registry);
  private final Counter callsHandled = Counter.builder().name("grpc_server_handled_total")
      .help("gRPC calls ended, by service, method, type and status code")
      .labelNames("grpc_service", "grpc_method", "grpc_type", "grpc_code").register(registry);
  private final Histogram callLatency = Histogram.builder().name("grpc_server_handling_seconds")
      .help("Duration of gRPC calls from start to end (streams: their whole life), by service, method and type")
      .labelNames("grpc_service", "grpc_method", "grpc_type").register(registry);

  /** A registry with the server's metrics, the JVM's and the process's, and {@code webhooks_build_info}. */
  public Metrics() {
    JvmMetrics.builder().register(registry);
    Info.builder().name("webhooks_build_info").help("The running server's version (always 1)")
        .labelNames("version").register(registry).setLabelValues(version());
  }

  /** The version this server was built as ("unknown" when run from unpackaged classes without resources). */
  public static String version() {
    try (InputStream in = Metrics.class.getResourceAsStream("build.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  /** Counts one attempt's outcome and its duration. */
  public void attempt(String outcome, String eventType, double seconds) {
    attempts.labelValues(outcome, catalogType(eventType)).inc();
    latency.observe(seconds);
  }

  /** Counts a newly published event. */
  public void eventPublished(String eventType) {
    published.labelValues(catalogType(eventType)).inc();
  }

  /** Counts newly created deliveries. */
  public void deliveriesCreated(int n) {
    created.inc(n);
  }

  /** Records how many rows one result-writer transaction wrote. */
  public void resultBatch(int rows) {
    batches.observe(rows);
  }

  /** Counts a gRPC call's start. */
  public void callStarted(String service, String method, String type) {
    callsStarted.labelValues(service, method, type).inc();
  }

  /** Counts a gRPC call's end with its status code and duration. */
  public void callHandled(String service, String method, String type, String code, double seconds) {
    callsHandled.labelValues(service, method, type, code).inc();
    callLatency.labelValues(service, method, type).observe(seconds);
  }

  private static String catalogType(String eventType) {
    return EventCatalog.contains(eventType) ? eventType : OTHER;
  }

  /** Exposes a current value, read at each scrape. */
  public void gauge(String name, String help, IntSupplier value) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsInt())).register(registry);
  }

  /** Exposes a current value read at each scrape, left out of the scrape while it is unknown (NaN). */
  public void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> {
      double v = value.getAsDouble();
      if (!Double.isNaN(v)) {
        cb.call(v);
      }
    }).register(registry);
  }

  /** Exposes a value per label value (a fixed set), read at each scrape. */
  public void gauge(String name, String help, String label, java.util.Map<String, IntSupplier> values) {
    GaugeWithCallback.builder().name(name).help(help).labelNames(label)
        .callback(cb -> values.forEach((k, v) -> cb.call(v.getAsInt(), k))).register(registry);
  }

  /** Exposes a count kept elsewhere, read at each scrape. */
  public void counter(String name, String help, LongSupplier value) {
    CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
  }

  /** Serves {@code /metrics} on the address and port (0 picks a free one); any other path answers 404. */
  public Endpoint serve(String bind, int port) throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bind), port), 0);
    MetricsHandler metrics = new MetricsHandler(registry);
    http.createContext("/", exchange -> {
      // A context matches by prefix ("/metricsx" too), so the path is compared here.
      if (!exchange.getRequestURI().getPath().equals(PATH)) {
        answer(exchange, 404, "Not found: metrics are at " + PATH + "\n");
      } else if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        answer(exchange, 405, "Use GET\n");
      } else {
        metrics.handle(exchange);
      }
    });
    ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "metrics-http");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(threads);
    http.start();
    return new Endpoint(http, threads);
  }

  private static void answer(HttpExchange exchange, int status, String text) throws IOException {
    try {
      byte[] body = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
    } finally {
      exchange.close();
    }
  }

  /** The running metrics HTTP server. */
  public record Endpoint(HttpServer http, ExecutorService threads) implements AutoCloseable {
    /** The address it listens on. */
    public InetSocketAddress address() {
      return http.getAddress();
    }

    @Override
    public void close() {
      http.stop(0);
      threads.shutdownNow();
    }
  }
}
