package com.apindicators.webhooks.server.bench;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.WebhooksServer;
import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.server.store.Database;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * End to end on this machine: publish broadcast signals over gRPC to many webhooks on a loopback receiver,
 * then count deliveries per second until every one is recorded delivered in PostgreSQL, and the latency from
 * the publish call to the receiver getting the POST. Run: see README "Benchmarks".
 */
public final class DeliveryThroughputBenchmark {
  public static void main(String[] args) throws Exception {
    int webhooks = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int events = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 256;
    int endpoints = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    int publisherThreads = args.length > 4 ? Integer.parseInt(args[4]) : 4;
    // Day partitions to create for the past days first, as a server keeping 30 days has (claims look at all of them).
    int pastDays = args.length > 5 ? Integer.parseInt(args[5]) : 0;
    long total = (long) webhooks * events;

    // Several receivers (customers' endpoints), sharing 4 threads; TCP_NODELAY or delayed ACKs cost 40 ms each.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    ExecutorService receiverThreads = Executors.newFixedThreadPool(4);
    AtomicLong received = new AtomicLong();
    ConcurrentHistogram latency = new ConcurrentHistogram(3);
    byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
    List<HttpServer> receivers = new ArrayList<>();
    for (int i = 0; i < endpoints; i++) {
      HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4096);
      receiver.setExecutor(receiverThreads);
      receiver.createContext("/", ex -> {
        ex.getRequestBody().readAllBytes();
        received.incrementAndGet();
        ex.sendResponseHeaders(200, ok.length);
        try (OutputStream os = ex.getResponseBody()) {
          os.write(ok);
        }
      });
      receiver.start();
      receivers.add(receiver);
    }

    Path dir = Files.createTempDirectory("webhooks-bench");
    try (Database db = Database.embedded(dir, 16)) {
      com.apindicators.webhooks.server.security.ApiKeys keys = new com.apindicators.webhooks.server.security.ApiKeys(db.jdbi());
      String admin = keys.create(null, "bench").apiKey();
      if (pastDays > 0) {
        db.jdbi().useHandle(h -> h.createQuery("SELECT webhooks_create_partitions(current_date - :n, current_date - 1)")
            .bind("n", pastDays).mapTo(Integer.class).one());
      }
      ServerConfig config = new ServerConfig(0, dir, null, true, concurrency, Duration.ofSeconds(60));
      String name = InProcessServerBuilder.generateName();
      WebhooksServer server = new WebhooksServer(InProcessServerBuilder.forName(name), db, config, keys, com.apindicators.webhooks.server.security.SecretBox.random());
      server.start();
      ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
      Fixtures f = new Fixtures(com.apindicators.webhooks.server.GrpcTestServer.withKey(channel, admin));
      for (int i = 0; i < webhooks; i++) {
        int port = receivers.get(i % endpoints).getAddress().getPort();
        f.webhook("bench-" + (i % 50), "http://127.0.0.1:" + port + "/h/" + i, "signal.buy");
      }
      System.out.printf("%d events x %d webhooks = %d deliveries, dispatcher concurrency %d, %d receiver endpoints"
          + " (JDK HttpServer), %d publishing threads%n", events, webhooks, total, concurrency, endpoints, publisherThreads);
      long start = System.nanoTime();
      // Publishers call concurrently, as the platform's services would.
      ExecutorService publishers = Executors.newFixedThreadPool(publisherThreads);
      for (int e = 0; e < events; e++) {
        publishers.submit(() -> {
          long before = System.nanoTime();
          f.events.publishEvent(PublishEventRequest.newBuilder().setType("signal.buy")
              .setData(Fixtures.json("{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"score\":0.87,\"market_type\":\"trending\",\"interval\":\"1h\"}"))
              .build());
          latency.recordValue((System.nanoTime() - before) / 1000);
        });
      }
      publishers.shutdown();
      publishers.awaitTermination(5, java.util.concurrent.TimeUnit.MINUTES);
      long published = System.nanoTime();
      while (received.get() < total && System.nanoTime() - start < Duration.ofMinutes(5).toNanos()) {
        Thread.sleep(5);
      }
      long allReceived = System.nanoTime();
      while (count(db, "SELECT count(*) FROM deliveries WHERE status = 'DELIVERED'") < total
          && System.nanoTime() - start < Duration.ofMinutes(5).toNanos()) {
        Thread.sleep(20);
      }
      long allRecorded = System.nanoTime();
      System.out.printf("publish: %d events in %.2f s; PublishEvent latency p50 %.1f ms, p99 %.1f ms (fan-out of %d each)%n",
          events, (published - start) / 1e9, latency.getValueAtPercentile(50) / 1000.0,
          latency.getValueAtPercentile(99) / 1000.0, webhooks);
      System.out.printf("received: %d POSTs in %.2f s = %.0f deliveries/s%n", received.get(), (allReceived - start) / 1e9,
          received.get() / ((allReceived - start) / 1e9));
      System.out.printf("recorded delivered in PostgreSQL: %.2f s after the first publish = %.0f deliveries/s%n",
          (allRecorded - start) / 1e9, total / ((allRecorded - start) / 1e9));
      channel.shutdownNow();
      server.stop();
    } finally {
      receivers.forEach(r -> r.stop(0));
      receiverThreads.shutdownNow();
    }
  }

  private static long count(Database db, String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }
}
