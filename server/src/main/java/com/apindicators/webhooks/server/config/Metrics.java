package com.apindicators.webhooks.server.config;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/** The server's Prometheus metrics: delivery attempts by outcome and their latency, queue depth, in flight, watchers. */
public final class Metrics {
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

  /** Serves {@code /metrics} on the port. */
  public HTTPServer serve(int port) throws IOException {
    return HTTPServer.builder().port(port).registry(registry).buildAndStart();
  }
}
