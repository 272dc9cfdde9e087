package com.apindicators.webhooks.server.bench;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.TestKeys;
import com.apindicators.webhooks.server.fault.ServerJar;
import com.apindicators.webhooks.v1.EventServiceGrpc;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.sun.net.httpserver.HttpServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * 1, 2, 3... server processes (the jar) on one external PostgreSQL, driven from outside as behind a gRPC load
 * balancer: broadcast signals published round-robin over the processes to many webhooks on loopback receivers
 * that count every delivery id. Prints, per process count, deliveries/s recorded, duplicates (must be 0), the
 * latency from the publish call to the POST, and the claim query's latency and the database's time per delivery
 * from {@code pg_stat_statements}. Run by {@code server/scripts/multi-process}.
 *
 * <p>Arguments: jar, JDBC URL of the cluster's {@code postgres} database as a superuser (a database is created per
 * run), process counts ("1,2,3"), webhooks, events, receiver endpoints, publishing threads.
 */
public final class MultiProcessBenchmark {
  private final Map<String, AtomicInteger> posts = new ConcurrentHashMap<>();
  private final AtomicLong received = new AtomicLong();
  private final ConcurrentHistogram latency = new ConcurrentHistogram(3);

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args[0]);
    String adminUrl = args[1];
    String[] counts = (args.length > 2 ? args[2] : "1,2,3").split(",");
    int webhooks = args.length > 3 ? Integer.parseInt(args[3]) : 200;
    int events = args.length > 4 ? Integer.parseInt(args[4]) : 300;
    int endpoints = args.length > 5 ? Integer.parseInt(args[5]) : 8;
    int publishers = args.length > 6 ? Integer.parseInt(args[6]) : 4;
    MultiProcessBenchmark bench = new MultiProcessBenchmark();
    List<HttpServer> receivers = bench.receivers(endpoints);
    System.out.printf("%d events x %d webhooks = %d deliveries per run, %d receiver endpoints, %d publishing threads"
        + " round-robin over the processes%n", events, webhooks, events * webhooks, endpoints, publishers);
    List<String> rows = new ArrayList<>();
    try {
      for (String n : counts) {
        rows.add(bench.run(jar, adminUrl, Integer.parseInt(n.trim()), webhooks, events, receivers, publishers));
      }
    } finally {
      receivers.forEach(r -> r.stop(0));
    }
    System.out.println();
    System.out.println("| processes | deliveries/s (results recorded) | duplicates | publish -> POST p50 / p99 | claim query: calls,"
        + " mean / max ms | claimed rows | database ms per delivery | WAL bytes per delivery |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
    rows.forEach(System.out::println);
  }

  private String run(Path jar, String adminUrl, int processes, int webhooks, int events, List<HttpServer> receivers,
      int publisherThreads) throws Exception {
    String dbName = "multi_" + processes;
    try (Connection c = DriverManager.getConnection(adminUrl); Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + dbName);
      st.execute("CREATE DATABASE " + dbName);
    }
    String url = adminUrl.replaceFirst("/postgres\\?", "/" + dbName + "?");
    List<ServerJar> servers = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < processes; i++) {
      int port = freePort();
      ServerJar s = new ServerJar(jar, url, port, "--lease-seconds", "60");
      s.start();
      servers.add(s);
      channels.add(Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create()).build());
    }
    try {
      Fixtures f = new Fixtures(GrpcTestServer.withKey(channels.get(0), TestKeys.ADMIN));
      for (int i = 0; i < webhooks; i++) {
        int port = receivers.get(i % receivers.size()).getAddress().getPort();
        f.webhook("bench-" + (i % 50), "http://127.0.0.1:" + port + "/h/" + i, "signal.buy");
      }
      List<EventServiceGrpc.EventServiceBlockingStub> stubs = channels.stream()
          .map(ch -> EventServiceGrpc.newBlockingStub(GrpcTestServer.withKey(ch, TestKeys.ADMIN))).toList();
      posts.clear();
      received.set(0);
      latency.reset();
      resetStatements(adminUrl);
      long total = (long) webhooks * events;
      long start = System.nanoTime();
      ExecutorService publishers = Executors.newFixedThreadPool(publisherThreads);
      AtomicInteger next = new AtomicInteger();
      for (int e = 0; e < events; e++) {
        publishers.submit(() -> {
          // Round-robin over the processes, as a load balancer would spread calls.
          EventServiceGrpc.EventServiceBlockingStub stub = stubs.get(next.getAndIncrement() % stubs.size());
          stub.withDeadlineAfter(60, TimeUnit.SECONDS).publishEvent(PublishEventRequest.newBuilder()
              .setType("signal.buy").setDataJson("{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"score\":0.87,"
                  + "\"interval\":\"1h\",\"sent\":" + System.nanoTime() + "}").build());
        });
      }
      publishers.shutdown();
      publishers.awaitTermination(5, TimeUnit.MINUTES);
      long deadline = start + TimeUnit.MINUTES.toNanos(10);
      while (posts.size() < total && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      // Until every delivery has its result: delivered, or failed (a receiver starved of CPU past the 10 s timeout).
      while (count(url, "SELECT count(*) FROM deliveries WHERE status <> 'PENDING'") < total
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long recorded = count(url, "SELECT count(*) FROM deliveries WHERE status <> 'PENDING'");
      long failed = count(url, "SELECT count(*) FROM deliveries WHERE status = 'FAILED'");
      long duplicates = posts.values().stream().mapToLong(n -> n.get() - 1).sum();
      long missing = total - posts.size();
      String claims;
      double dbMsPerDelivery;
      double walPerDelivery;
      try (Connection c = DriverManager.getConnection(adminUrl); Statement st = c.createStatement()) {
        String db = "dbid = (SELECT oid FROM pg_database WHERE datname = '" + dbName + "')";
        try (ResultSet rs = st.executeQuery("SELECT coalesce(sum(calls), 0), coalesce(sum(total_exec_time) / nullif(sum(calls), 0), 0),"
            + " coalesce(max(max_exec_time), 0), coalesce(sum(rows), 0) FROM pg_stat_statements WHERE " + db
            + " AND query LIKE '%WITH RECURSIVE accounts%'")) {
          rs.next();
          claims = String.format("%d, %.1f / %.0f | %d", rs.getLong(1), rs.getDouble(2), rs.getDouble(3), rs.getLong(4));
        }
        try (ResultSet rs = st.executeQuery("SELECT sum(total_exec_time), sum(wal_bytes) FROM pg_stat_statements WHERE " + db)) {
          rs.next();
          dbMsPerDelivery = rs.getDouble(1) / total;
          walPerDelivery = rs.getDouble(2) / total;
        }
      }
      System.out.printf("%d process(es): %d of %d recorded (%d of them failed) in %.1f s = %.0f/s; %d POSTs, %d duplicates,"
          + " %d never received; publish -> POST p50 %.0f ms, p99 %.0f ms; claims %s; database %.2f ms and %.0f WAL"
          + " bytes per delivery%n", processes, recorded, total, failed, seconds, recorded / seconds, received.get(), duplicates,
          missing, latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0, claims,
          dbMsPerDelivery, walPerDelivery);
      return String.format("| %d | %.0f%s | %d%s | %.0f / %.0f ms | %s | %.2f | %.0f |", processes, recorded / seconds,
          failed > 0 ? " (" + failed + " failed: timed out)" : "", duplicates, missing > 0 ? " (" + missing + " never received)" : "", latency.getValueAtPercentile(50) / 1000.0,
          latency.getValueAtPercentile(99) / 1000.0, claims, dbMsPerDelivery, walPerDelivery);
    } finally {
      for (ManagedChannel ch : channels) {
        ch.shutdownNow();
      }
      for (ServerJar s : servers) {
        s.stop();
      }
    }
  }

  /** Loopback receivers sharing 4 threads; each counts POSTs per delivery id and the latency since publishing. */
  private List<HttpServer> receivers(int endpoints) throws Exception {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    ExecutorService threads = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "receiver");
      t.setDaemon(true);
      return t;
    });
    byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
    List<HttpServer> list = new ArrayList<>();
    for (int i = 0; i < endpoints; i++) {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4096);
      server.setExecutor(threads);
      server.createContext("/", ex -> {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        long now = System.nanoTime();
        int at = body.indexOf("\"sent\":");
        if (at >= 0) {
          int end = at + 7;
          while (end < body.length() && Character.isDigit(body.charAt(end))) {
            end++;
          }
          latency.recordValue(Math.max(0, (now - Long.parseLong(body.substring(at + 7, end))) / 1000));
        }
        received.incrementAndGet();
        posts.computeIfAbsent(ex.getRequestHeaders().getFirst("X-Webhook-Id"), k -> new AtomicInteger()).incrementAndGet();
        ex.sendResponseHeaders(200, ok.length);
        try (OutputStream os = ex.getResponseBody()) {
          os.write(ok);
        }
      });
      server.start();
      list.add(server);
    }
    return list;
  }

  private static void resetStatements(String adminUrl) throws Exception {
    try (Connection c = DriverManager.getConnection(adminUrl); Statement st = c.createStatement()) {
      st.execute("SELECT pg_stat_statements_reset()");
    }
  }

  private static long count(String url, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
