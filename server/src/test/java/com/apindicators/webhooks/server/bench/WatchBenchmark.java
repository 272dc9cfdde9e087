package com.apindicators.webhooks.server.bench;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.WatchClient;
import com.apindicators.webhooks.server.WebhooksServer;
import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.server.store.Database;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.PublishEventRequest;
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
 * Live-stream latency and fan-out over Netty: W watchers, each publish to one webhook; latency from PublishEvent
 * returning to each watcher receiving the delivery's pending update, and to the delivered one.
 */
public final class WatchBenchmark {
  public static void main(String[] args) throws Exception {
    int watchers = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int events = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    receiver.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    receiver.start();
    Path dir = Files.createTempDirectory("webhooks-watch-bench");
    try (Database db = Database.embedded(dir, 16)) {
      com.apindicators.webhooks.server.security.ApiKeys keys = new com.apindicators.webhooks.server.security.ApiKeys(db.jdbi());
      String admin = keys.create(null, "bench").apiKey();
      // One key opens every stream here, so the per-key stream cap is raised for the benchmark.
      ServerConfig config = new ServerConfig(0, dir, null, true, 64, Duration.ofSeconds(60))
          .withLimits(new com.apindicators.webhooks.server.config.Limits(1000, 2000, watchers + 10));
      WebhooksServer server = new WebhooksServer(Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()), db, config, keys, com.apindicators.webhooks.server.security.SecretBox.random());
      server.start();
      List<ManagedChannel> channels = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        channels.add(Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(), InsecureChannelCredentials.create()).build());
      }
      Fixtures f = new Fixtures(com.apindicators.webhooks.server.GrpcTestServer.withKey(channels.get(0), admin));
      f.webhook("w", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/h", "signal.buy");
      List<WatchClient> clients = new ArrayList<>();
      for (int i = 0; i < watchers; i++) {
        clients.add(WatchClient.open(com.apindicators.webhooks.server.GrpcTestServer.withKey(channels.get(i % channels.size()), admin), WatchDeliveriesRequest.newBuilder().setAccountId("w").build()));
      }
      while (server.watchers() < watchers) {
        Thread.sleep(10);
      }
      Histogram pending = new Histogram(3);
      Histogram delivered = new Histogram(3);
      long heapBefore = usedHeap();
      for (int e = 0; e < events; e++) {
        int before = e * 2;
        f.events.publishEvent(PublishEventRequest.newBuilder().setType("signal.buy").setData(Fixtures.json("{\"n\":" + e + "}"))
            .setAccountId("w").build());
        long returned = System.nanoTime();
        boolean[] gotPending = new boolean[watchers];
        boolean[] gotDelivered = new boolean[watchers];
        int remaining = watchers * 2;
        while (remaining > 0 && System.nanoTime() - returned < Duration.ofSeconds(10).toNanos()) {
          for (int i = 0; i < watchers; i++) {
            List<com.apindicators.webhooks.v1.WatchDeliveriesResponse> r = clients.get(i).received;
            if (!gotPending[i] && r.size() > before) {
              gotPending[i] = true;
              remaining--;
              pending.recordValue(Math.max(0, (System.nanoTime() - returned) / 1000));
            }
            if (!gotDelivered[i] && r.size() > before + 1
                && r.get(before + 1).getDelivery().getStatus() == DeliveryStatus.DELIVERY_STATUS_DELIVERED) {
              gotDelivered[i] = true;
              remaining--;
              delivered.recordValue(Math.max(0, (System.nanoTime() - returned) / 1000));
            }
          }
          Thread.onSpinWait();
        }
      }
      System.out.printf("%d watchers over Netty, %d events: PublishEvent returned -> watcher has the update (polled, "
          + "so includes the scan over all watchers)%n", watchers, events);
      System.out.printf("  pending:   p50 %.2f ms  p99 %.2f ms  max %.2f ms%n", pending.getValueAtPercentile(50) / 1000.0,
          pending.getValueAtPercentile(99) / 1000.0, pending.getMaxValue() / 1000.0);
      System.out.printf("  delivered: p50 %.2f ms  p99 %.2f ms  max %.2f ms%n", delivered.getValueAtPercentile(50) / 1000.0,
          delivered.getValueAtPercentile(99) / 1000.0, delivered.getMaxValue() / 1000.0);
      System.out.printf("  updates received: %d of %d; heap used before %d MiB, after %d MiB%n",
          clients.stream().mapToInt(c -> c.received.size()).sum(), (long) watchers * events * 2, heapBefore >> 20, usedHeap() >> 20);
      clients.forEach(WatchClient::close);
      channels.forEach(ManagedChannel::shutdownNow);
      server.stop();
    } finally {
      receiver.stop(0);
    }
  }

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }
}
