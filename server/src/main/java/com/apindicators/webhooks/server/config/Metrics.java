package com.apindicators.webhooks.server.config;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/** The server's Prometheus metrics: delivery attempts by outcome and their latency, queue depth, in flight, watchers. */
public final class Metrics {
  /** The one path served; every other path is 404. */
  public static final String PATH = "/metrics";
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter attempts = Counter.builder().name("webhooks_delivery_attempts_total")
      .help("HTTP delivery attempts by outcome: delivered, failed, or retry (failed with attempts left)")
      .labelNames("outcome").register(registry);
  private final Histogram latency = Histogram.builder().name("webhooks_delivery_attempt_duration_seconds")
      .help("Duration of delivery attempts, connect to last byte").register(registry);

  /** Counts one attempt's outcome and its duration. */
  public void attempt(String outcome, double seconds) {
    attempts.labelValues(outcome).inc();
    latency.observe(seconds);
  }

  /** Exposes a current value, read at each scrape. */
  public void gauge(String name, String help, IntSupplier value) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsInt())).register(registry);
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
