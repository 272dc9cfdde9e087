package com.apindicators.webhooks.server.fault;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.TestKeys;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.apindicators.webhooks.v1.PublishEventResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fault suite (run by {@code server/scripts/fault-suite}): against the server jar on an external PostgreSQL, under
 * load, (1) kill -9 the server again and again, (2) stop PostgreSQL for a while, (3) point one tenant at hostile
 * receivers beside 50 normal webhooks; prints lost (must be 0), stuck (0) and duplicated deliveries for each.
 *
 * <p>Arguments: jar, JDBC URL, kills, outage seconds, command that stops PostgreSQL, command that starts it.
 */
public final class FaultSuite {
  private static final int PUBLISHERS = 4;
  private final Path jar;
  private final String jdbcUrl;
  private final int port;
  private final Receiver receiver;
  private final Map<String, Integer> acknowledged = new ConcurrentHashMap<>();
  private final Map<Status.Code, AtomicLong> failures = new ConcurrentHashMap<>();
  private final AtomicLong slowestFailureMs = new AtomicLong();

  private FaultSuite(Path jar, String jdbcUrl) throws Exception {
    this.jar = jar;
    this.jdbcUrl = jdbcUrl;
    this.port = freePort();
    this.receiver = new Receiver();
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println("usage: FaultSuite <server jar> <jdbc url> <kills> <outage seconds> <stop pg command> <start pg command>");
      System.exit(2);
    }
    FaultSuite suite = new FaultSuite(Path.of(args[0]), args[1]);
    int kills = Integer.parseInt(args[2]);
    int outage = Integer.parseInt(args[3]);
    // 0 kills or 0 outage seconds skips that part.
    boolean ok = (kills == 0 || suite.killLoop(kills)) & (outage == 0 || suite.databaseOutage(outage, args[4], args[5]))
        & suite.hostileReceivers();
    System.out.println(ok ? "FAULT SUITE PASSED" : "FAULT SUITE FAILED");
    System.exit(ok ? 0 : 1);
  }

  /** Kills the server with SIGKILL at random moments under load, restarting it each time. */
  private boolean killLoop(int kills) throws Exception {
    ServerJar server = new ServerJar(jar, jdbcUrl, port);
    server.start();
    ManagedChannel channel = channel();
    Fixtures f = new Fixtures(GrpcTestServer.withKey(channel, TestKeys.ADMIN));
    for (int i = 0; i < 20; i++) {
      f.webhook("kill-" + (i % 4), receiver.url("/kill"), "order.filled");
    }
    AtomicBoolean publishing = publish(f, "kill-");
    for (int i = 0; i < kills; i++) {
      // A random moment once this server has taken some load.
      int before = acknowledged.size();
      while (acknowledged.size() < before + 20) {
        Thread.sleep(50);
      }
      Thread.sleep(ThreadLocalRandom.current().nextLong(0, 3000));
      server.kill();
      server.start();
    }
    publishing.set(false);
    Thread.sleep(1000);
    System.out.printf("kill -9 x%d: failed calls by code %s%n", kills, failures);
    boolean ok = settleAndReport("kill -9 x" + kills, "/kill", 180);
    server.stop();
    channel.shutdownNow();
    return ok;
  }

  /** Stops PostgreSQL under load for a while: calls must fail fast with UNAVAILABLE and health say NOT_SERVING. */
  private boolean databaseOutage(int seconds, String stop, String start) throws Exception {
    failures.clear();
    ServerJar server = new ServerJar(jar, jdbcUrl, port);
    server.start();
    ManagedChannel channel = channel();
    Fixtures f = new Fixtures(GrpcTestServer.withKey(channel, TestKeys.ADMIN));
    for (int i = 0; i < 20; i++) {
      f.webhook("outage-" + (i % 4), receiver.url("/outage"), "order.filled");
    }
    AtomicBoolean publishing = publish(f, "outage-");
    Thread.sleep(3000);
    run(stop);
    long stopped = System.nanoTime();
    boolean sawNotServing = false;
    while (System.nanoTime() - stopped < TimeUnit.SECONDS.toNanos(seconds)) {
      sawNotServing |= health(channel) == ServingStatus.NOT_SERVING;
      Thread.sleep(200);
    }
    run(start);
    long started = System.nanoTime();
    long before = acknowledged.size();
    while (acknowledged.size() == before && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(60)) {
      Thread.sleep(50);
    }
    double recoveredSeconds = (System.nanoTime() - started) / 1e9;
    Thread.sleep(3000);
    publishing.set(false);
    Thread.sleep(1000);
    System.out.printf("outage %d s: failed calls by code %s, slowest failed call %d ms, health NOT_SERVING seen: %s,"
        + " first acknowledged publish %.1f s after PostgreSQL started%n", seconds, failures, slowestFailureMs.get(),
        sawNotServing, recoveredSeconds);
    boolean ok = failures.keySet().stream().allMatch(c -> c == Status.Code.UNAVAILABLE) && sawNotServing;
    ok &= settleAndReport("PostgreSQL stopped " + seconds + " s", "/outage", 180);
    server.stop();
    channel.shutdownNow();
    return ok;
  }

  /** One tenant's hostile endpoints beside 50 normal webhooks: the normal ones' rate with and without them. */
  private boolean hostileReceivers() throws Exception {
    ServerJar server = new ServerJar(jar, jdbcUrl, port);
    server.start();
    ManagedChannel channel = channel();
    Fixtures f = new Fixtures(GrpcTestServer.withKey(channel, TestKeys.ADMIN));
    List<HostileReceiver> hostile = new ArrayList<>();
    // FAULT_SUITE_CONTROL=1: the same phases without hostile endpoints, to tell their effect from the machine's.
    boolean control = "1".equals(System.getenv("FAULT_SUITE_CONTROL"));
    for (HostileReceiver.Behaviour b : control ? new HostileReceiver.Behaviour[0] : HostileReceiver.Behaviour.values()) {
      for (int i = 0; i < 2; i++) {
        HostileReceiver r = new HostileReceiver(b);
        hostile.add(r);
        f.webhook("hostile", r.url(), "order.filled");
      }
    }
    for (int i = 0; i < 50; i++) {
      f.webhook("normal-" + (i % 5), receiver.url("/normal"), "order.filled");
    }
    double alone = rate(f, false);
    double beside = rate(f, true);
    // Alone once more: tells the hostile endpoints' effect from a backlog the first phase may have left.
    double aloneAgain = rate(f, false);
    System.out.printf("hostile receivers: 50 normal webhooks %.0f deliveries/s alone, %.0f/s beside %d hostile endpoints"
        + " (%.2f of their rate), %.0f/s alone again%n", alone, beside, hostile.size(), beside / alone, aloneAgain);
    boolean ok = control || beside >= 0.9 * alone; // the normal webhooks keep at least 90% of their rate
    ok &= settleAndReport("hostile receivers", "/normal", 120);
    try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT status, count(*), count(*) FILTER (WHERE error = '') FROM deliveries"
             + " WHERE account_id = 'hostile' GROUP BY status")) {
      while (rs.next()) {
        System.out.printf("  hostile deliveries %s: %d (without an error text: %d)%n", rs.getString(1), rs.getLong(2), rs.getLong(3));
        ok &= rs.getString(1).equals("FAILED") && rs.getLong(3) == 0;
      }
    }
    for (HostileReceiver r : hostile) {
      r.close();
    }
    server.stop();
    channel.shutdownNow();
    return ok;
  }

  /** Normal deliveries per second over 10 s of steady publishing to the normal accounts (and the hostile one too). */
  private double rate(Fixtures f, boolean withHostile) throws Exception {
    int before = receiver.requests("/normal").size();
    long start = System.nanoTime();
    // A steady rate the machine keeps up with (about 100 deliveries/s), so the hostile endpoints' effect is
    // measured, not a backlog's.
    AtomicBoolean publishing = publish(f, "normal-", 2, 200);
    // The hostile tenant publishes at a modest rate: this part is about its receivers, not a publish flood.
    AtomicBoolean hostile = withHostile ? publish(f, "hostile", 1, 500) : new AtomicBoolean();
    Thread.sleep(10_000);
    publishing.set(false);
    hostile.set(false);
    return (receiver.requests("/normal").size() - before) / ((System.nanoTime() - start) / 1e9);
  }

  /** Starts publishers to accounts with this prefix; they record what was acknowledged until told to stop. */
  private AtomicBoolean publish(Fixtures f, String accountPrefix) {
    return publish(f, accountPrefix, PUBLISHERS, 0);
  }

  /** Starts this many publishing threads, each pausing this long after each call. */
  private AtomicBoolean publish(Fixtures f, String accountPrefix, int threads, long pauseMs) {
    AtomicBoolean running = new AtomicBoolean(true);
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        while (running.get()) {
          String account = accountPrefix.endsWith("-") ? accountPrefix + ThreadLocalRandom.current().nextInt(4) : accountPrefix;
          long start = System.nanoTime();
          try {
            PublishEventResponse r = f.events.withDeadlineAfter(5, TimeUnit.SECONDS).publishEvent(PublishEventRequest
                .newBuilder().setType("order.filled").setAccountId(account)
                .setData(Fixtures.json("{\"n\":" + System.nanoTime() + "}")).build());
            if (!account.startsWith("hostile")) {
              acknowledged.put(r.getEvent().getEventId(), r.getDeliveriesCreated());
            }
            if (pauseMs > 0) {
              sleep(pauseMs);
            }
          } catch (StatusRuntimeException e) {
            failures.computeIfAbsent(e.getStatus().getCode(), c -> new AtomicLong()).incrementAndGet();
            slowestFailureMs.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
            sleep(100);
          }
        }
      }, "publisher");
      thread.setDaemon(true);
      thread.start();
    }
    return running;
  }

  /** Waits until nothing is pending (or the time is up), then prints lost, stuck and duplicated deliveries. */
  private boolean settleAndReport(String name, String path, int maxSeconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
    long pending;
    do {
      Thread.sleep(1000);
      pending = count("SELECT count(*) FROM deliveries WHERE status = 'PENDING'");
    } while (pending > 0 && System.nanoTime() < deadline);
    String[] ids = acknowledged.keySet().toArray(String[]::new);
    long expected = acknowledged.values().stream().mapToLong(Integer::longValue).sum();
    List<String> deliveryIds = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(jdbcUrl);
         var ps = c.prepareStatement("SELECT delivery_id FROM deliveries WHERE event_id = ANY(?) AND account_id NOT LIKE 'hostile%'")) {
      ps.setArray(1, c.createArrayOf("text", ids));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          deliveryIds.add(rs.getString(1));
        }
      }
    }
    Map<String, Integer> posts = new ConcurrentHashMap<>();
    receiver.requests(path).forEach(r -> posts.merge(r.header("x-webhook-id"), 1, Integer::sum));
    long storedMissing = Math.max(0, expected - deliveryIds.size());
    long neverReceived = deliveryIds.stream().filter(id -> !posts.containsKey(id)).count();
    long duplicated = posts.values().stream().mapToLong(n -> n - 1).sum();
    long lost = storedMissing + neverReceived;
    System.out.printf("%-24s acknowledged events %d, deliveries %d: lost %d, stuck %d, duplicated POSTs %d%n",
        name, ids.length, expected, lost, pending, duplicated);
    acknowledged.clear();
    return lost == 0 && pending == 0;
  }

  private long count(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private ServingStatus health(ManagedChannel channel) {
    try {
      return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    } catch (StatusRuntimeException e) {
      return ServingStatus.UNKNOWN;
    }
  }

  private ManagedChannel channel() {
    return Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create()).build();
  }

  private static void run(String command) throws Exception {
    int code = new ProcessBuilder("bash", "-c", command).inheritIO().start().waitFor();
    if (code != 0) {
      throw new IllegalStateException("'" + command + "' exited with " + code);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
