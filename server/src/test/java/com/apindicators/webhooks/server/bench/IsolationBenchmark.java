package com.apindicators.webhooks.server.bench;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.HangingEndpoint;
import com.apindicators.webhooks.server.WebhooksServer;
import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.server.security.ApiKeys;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.store.Database;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The isolation workload: 50 fast webhooks (one account, one loopback receiver) get events from publishing threads
 * for a while alone, then as long again beside 64 webhooks of another account on 16 endpoints that accept the
 * connection and never answer, which get events too. Prints the fast webhooks' deliveries/s in both phases and
 * their ratio (the target: at least 0.9). Run: see README "Benchmarks".
 */
public final class IsolationBenchmark {
  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int publisherThreads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int hangingEventsPerSecond = args.length > 2 ? Integer.parseInt(args[2]) : 20;

    System.setProperty("sun.net.httpserver.nodelay", "true");
    ExecutorService receiverThreads = Executors.newFixedThreadPool(4);
    AtomicLong received = new AtomicLong();
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4096);
    receiver.setExecutor(receiverThreads);
    receiver.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      received.incrementAndGet();
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    receiver.start();
    List<HangingEndpoint> hanging = new ArrayList<>();
    Path dir = Files.createTempDirectory("webhooks-bench");
    try (Database db = Database.embedded(dir, 16)) {
      ApiKeys keys = new ApiKeys(db.jdbi());
      String admin = keys.create(null, "bench").apiKey();
      ServerConfig config = new ServerConfig(0, dir, null, true, 256, Duration.ofSeconds(60));
      String name = InProcessServerBuilder.generateName();
      WebhooksServer server = new WebhooksServer(InProcessServerBuilder.forName(name), db, config, keys, SecretBox.random());
      server.start();
      ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
      Fixtures f = new Fixtures(GrpcTestServer.withKey(channel, admin));
      for (int i = 0; i < 50; i++) {
        f.webhook("fast", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/f/" + i, "signal.buy");
      }
      System.out.printf("50 fast webhooks, %d publishing threads, %d s per phase, dispatcher concurrency %d,"
          + " endpoint floor %d, cap %d%n", publisherThreads, seconds, config.dispatcherConcurrency(),
          config.endpointFloor(), config.endpointMaxInFlight());
      phase(f, received, publisherThreads, seconds / 2); // warm-up
      double alone = phase(f, received, publisherThreads, seconds);
      System.out.printf("fast alone: %.0f deliveries/s%n", alone);

      for (int i = 0; i < 16; i++) {
        HangingEndpoint h = new HangingEndpoint();
        hanging.add(h);
        for (int w = 0; w < 4; w++) {
          f.webhook("hanging", h.url("/h/" + w), "order.filled");
        }
      }
      AtomicBoolean running = new AtomicBoolean(true);
      Thread hangingPublisher = new Thread(() -> {
        while (running.get()) {
          f.publish("order.filled", "{\"n\":1}", "hanging");
          try {
            Thread.sleep(1000 / hangingEventsPerSecond);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      hangingPublisher.start();
      Thread.sleep(2000);
      double beside = phase(f, received, publisherThreads, seconds);
      running.set(false);
      hangingPublisher.join();
      int connections = hanging.stream().mapToInt(HangingEndpoint::connections).sum();
      long hangingPending = db.jdbi().withHandle(h -> h.createQuery(
          "SELECT count(*) FROM deliveries WHERE account_id = 'hanging' AND status = 'PENDING'").mapTo(Long.class).one());
      System.out.printf("fast beside 16 hanging endpoints (64 webhooks, %d events/s to them; %d connections accepted"
          + " in all, %d of their deliveries pending): %.0f deliveries/s%n", hangingEventsPerSecond, connections, hangingPending,
          beside);
      System.out.printf("ratio: %.2f%n", beside / alone);
      for (HangingEndpoint h : hanging) {
        h.close();
      }
      channel.shutdownNow();
      server.stop();
    } finally {
      receiver.stop(0);
      receiverThreads.shutdownNow();
    }
  }

  /** Publishes events to the fast account from several threads for a while; returns deliveries received per second. */
  private static double phase(Fixtures f, AtomicLong received, int threads, int seconds) throws InterruptedException {
    long before = received.get();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    ExecutorService publishers = Executors.newFixedThreadPool(threads);
    for (int t = 0; t < threads; t++) {
      publishers.submit(() -> {
        while (System.nanoTime() < end) {
          f.events.publishEvent(PublishEventRequest.newBuilder().setType("signal.buy").setAccountId("fast")
              .setData(Fixtures.json("{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"score\":0.87}")).build());
        }
      });
    }
    publishers.shutdown();
    publishers.awaitTermination(seconds + 60, TimeUnit.SECONDS);
    return (received.get() - before) / ((System.nanoTime() - start) / 1e9);
  }
}
