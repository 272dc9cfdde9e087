package com.apindicators.webhooks.server.bench;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.WatchClient;
import com.apindicators.webhooks.server.WebhooksServer;
import com.apindicators.webhooks.server.config.Limits;
import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.server.security.ApiKeys;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.store.Database;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import com.sun.net.httpserver.HttpServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * One account's unread streams must not slow another's: account B's one reading watcher, latency from
 * PublishEvent returning to B's pending update, first alone, then beside A unread watchers of account A while A
 * publishes too. Over Netty. Run: see README "Benchmarks".
 */
public final class WatchIsolationBenchmark {
  public static void main(String[] args) throws Exception {
    int unread = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
    int events = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    receiver.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    receiver.start();
    Path dir = Files.createTempDirectory("webhooks-isolation-bench");
    try (Database db = Database.embedded(dir, 16)) {
      ApiKeys keys = new ApiKeys(db.jdbi());
      String admin = keys.create(null, "bench").apiKey();
      // One key opens every stream here, so the per-key stream cap is raised for the benchmark.
      ServerConfig config = new ServerConfig(0, dir, null, true, 64, Duration.ofSeconds(60))
          .withLimits(new Limits(100_000, 100_000, unread + 10));
      WebhooksServer server = new WebhooksServer(Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()),
          db, config, keys, SecretBox.random());
      server.start();
      List<ManagedChannel> channels = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        channels.add(Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(), InsecureChannelCredentials.create()).build());
      }
      Fixtures f = new Fixtures(GrpcTestServer.withKey(channels.get(0), admin));
      String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/h";
      f.webhook("a", url, "signal.buy");
      f.webhook("b", url, "signal.buy");
      WatchClient b = WatchClient.open(GrpcTestServer.withKey(channels.get(0), admin),
          WatchDeliveriesRequest.newBuilder().setAccountId("b").build());
      while (server.watchers() < 1) {
        Thread.sleep(10);
      }
      Histogram alone = measure(f, b, events, false);
      List<WatchClient> stalled = new ArrayList<>();
      for (int i = 0; i < unread; i++) {
        stalled.add(WatchClient.stalled(GrpcTestServer.withKey(channels.get(i % channels.size()), admin),
            WatchDeliveriesRequest.newBuilder().setAccountId("a").build()));
      }
      while (server.watchers() < unread + 1) {
        Thread.sleep(10);
      }
      Histogram beside = measure(f, b, events, true);
      System.out.printf("account B's pending update after PublishEvent returned, %d events each, over Netty:%n", events);
      print("B alone", alone);
      print("beside " + unread + " unread watchers of A (A publishing too)", beside);
      System.out.printf("  watchers left at the end: %d (A's are cut off when their 1,000-update buffer is full)%n",
          server.watchers());
      stalled.forEach(WatchClient::close);
      b.close();
      channels.forEach(ManagedChannel::shutdownNow);
      server.stop();
    } finally {
      receiver.stop(0);
    }
  }

  private static Histogram measure(Fixtures f, WatchClient b, int events, boolean aPublishes) throws InterruptedException {
    Histogram h = new Histogram(3);
    for (int e = 0; e < events; e++) {
      if (aPublishes) {
        f.publish("signal.buy", "{}", "a");
      }
      int before = b.received.size();
      f.publish("signal.buy", "{}", "b");
      long returned = System.nanoTime();
      while (b.received.size() <= before && System.nanoTime() - returned < Duration.ofSeconds(10).toNanos()) {
        Thread.onSpinWait();
      }
      h.recordValue(Math.max(0, (System.nanoTime() - returned) / 1000));
      // Let the delivered update arrive too, so each round starts quiet.
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (b.received.size() < before + 2 && System.nanoTime() < until) {
        Thread.sleep(1);
      }
    }
    return h;
  }

  private static void print(String what, Histogram h) {
    System.out.printf("  %-55s p50 %.2f ms  p99 %.2f ms  max %.2f ms%n", what, h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
  }
}
