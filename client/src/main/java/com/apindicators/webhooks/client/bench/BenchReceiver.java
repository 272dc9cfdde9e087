package com.apindicators.webhooks.client.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * The bench's own receiver on loopback: answers 204 at once, counts each delivery once (by X-Webhook-Id), and
 * records publish-to-received latency from the {@code bench_seq} the bench put in the event's data.
 */
final class BenchReceiver implements AutoCloseable {
  private static final Pattern SEQ = Pattern.compile("\"bench_seq\":(\\d+)");
  private final HttpServer server;
  private final ExecutorService threads;
  private final String externalUrl;
  private final Map<String, Long> receivedAt = new ConcurrentHashMap<>();
  private final AtomicLong duplicates = new AtomicLong();
  private volatile Run run = new Run(Map.of());

  /** One workload's view: its publish times by sequence number, and the latency measured against them. */
  record Run(Map<Long, Long> publishedAt, ConcurrentHistogram latencyMicros, AtomicLong received) {
    Run(Map<Long, Long> publishedAt) {
      this(publishedAt, new ConcurrentHistogram(3), new AtomicLong());
    }
  }

  /** A receiver of the bench's own, answering on the given number of threads. */
  BenchReceiver(int threadCount) throws IOException {
    externalUrl = null;
    System.setProperty("sun.net.httpserver.nodelay", "true"); // delayed ACKs would add 40 ms to every answer
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4096);
    threads = Executors.newFixedThreadPool(threadCount);
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Someone else's receiver at a URL (nginx, say): deliveries are then counted from the server's log only. */
  BenchReceiver(String externalUrl) {
    this.externalUrl = externalUrl;
    server = null;
    threads = null;
  }

  /** True when the receiver is not the bench's: it sees nothing, so no latency and no receipt counts. */
  boolean external() {
    return externalUrl != null;
  }

  /** The URL a webhook posts to; the name tells requests apart in a receiver's log. */
  String url(String name) {
    return external() ? externalUrl : "http://127.0.0.1:" + server.getAddress().getPort() + "/bench/" + name;
  }

  /** Starts measuring a workload whose events were (or will be) published at the given times. */
  Run begin(Map<Long, Long> publishedAt) {
    run = new Run(publishedAt);
    return run;
  }

  /** When the delivery reached the receiver (System.nanoTime), or null if it did not. */
  Long receivedAt(String deliveryId) {
    return receivedAt.get(deliveryId);
  }

  long duplicates() {
    return duplicates.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    long now = System.nanoTime();
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readAllBytes();
    }
    String id = ex.getRequestHeaders().getFirst("X-Webhook-Id");
    Run current = run;
    if (id != null && receivedAt.putIfAbsent(id, now) != null) {
      duplicates.incrementAndGet();
    } else {
      Matcher m = SEQ.matcher(new String(body, StandardCharsets.UTF_8));
      Long published = m.find() ? current.publishedAt().get(Long.parseLong(m.group(1))) : null;
      if (published != null) {
        current.received().incrementAndGet();
        current.latencyMicros().recordValue(Math.max(0, (now - published) / 1000));
      }
    }
    ex.sendResponseHeaders(204, -1);
    ex.close();
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop(0);
      threads.shutdownNow();
    }
  }
}
