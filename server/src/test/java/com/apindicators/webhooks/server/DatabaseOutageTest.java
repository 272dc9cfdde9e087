package com.apindicators.webhooks.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.server.security.ApiKeys;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.store.Database;
import com.apindicators.webhooks.v1.PublishEventRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL stops for a while under load: calls fail fast with UNAVAILABLE instead of hanging, health says
 * NOT_SERVING, and once it is back the server recovers by itself and every acknowledged event is delivered.
 */
class DatabaseOutageTest {
  private static final String ACCOUNT = "outage";

  @Test
  void callsFailFastWhileTheDatabaseIsDownAndEveryAcknowledgedEventIsDeliveredAfterwards() throws Exception {
    Path dir = Files.createTempDirectory("webhooks-outage-db");
    int port = freePort();
    EmbeddedPostgres pg = start(dir, port);
    Database db = Database.connect(pg.getJdbcUrl("postgres", "postgres"), 8);
    String name = InProcessServerBuilder.generateName();
    ApiKeys keys = new ApiKeys(db.jdbi());
    WebhooksServer server = new WebhooksServer(InProcessServerBuilder.forName(name), db,
        ServerConfig.defaults().withAllowPrivateTargets(true).withLease(Duration.ofSeconds(2)), keys, SecretBox.random());
    server.start();
    ManagedChannel raw = InProcessChannelBuilder.forName(name).build();
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(raw);
    Fixtures f = new Fixtures(GrpcTestServer.withKey(raw, keys.create(null, "admin").apiKey()));
    List<String> acknowledged = new CopyOnWriteArrayList<>();
    Map<Status.Code, Integer> failures = new ConcurrentHashMap<>();
    AtomicBoolean publishing = new AtomicBoolean(true);
    try (Receiver receiver = new Receiver()) {
      receiver.on("/hook", n -> Receiver.Answer.ok());
      f.webhook(ACCOUNT, receiver.url("/hook"), "order.filled");
      Thread publisher = new Thread(() -> {
        for (int i = 0; publishing.get(); i++) {
          try {
            acknowledged.add(f.events.withDeadlineAfter(10, TimeUnit.SECONDS).publishEvent(PublishEventRequest.newBuilder()
                .setType("order.filled").setData(Fixtures.json("{\"n\":" + i + "}")).setAccountId(ACCOUNT).build())
                .getEvent().getEventId());
          } catch (StatusRuntimeException e) {
            // Within the deadline: a call that hung on the pool would end DEADLINE_EXCEEDED instead.
            failures.merge(e.getStatus().getCode(), 1, Integer::sum);
          }
        }
      });
      publisher.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= 10);

      pg.close();
      await().atMost(Duration.ofSeconds(20)).until(() -> status(health, "") == ServingStatus.NOT_SERVING);
      assertThat(status(health, "apindicators.webhooks.v1.EventService")).isEqualTo(ServingStatus.NOT_SERVING);
      await().atMost(Duration.ofSeconds(20)).until(() -> failures.getOrDefault(Status.Code.UNAVAILABLE, 0) >= 3);

      pg = start(dir, port);
      await().atMost(Duration.ofSeconds(30)).until(() -> status(health, "") == ServingStatus.SERVING);
      int before = acknowledged.size();
      await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= before + 10);
      publishing.set(false);
      publisher.join(15_000);

      assertThat(failures.keySet()).as("how calls failed while the database was down").containsOnly(Status.Code.UNAVAILABLE);
      await().atMost(Duration.ofSeconds(60)).until(() -> delivered(db) >= acknowledged.size());
      assertThat(TestDatabase.countOn(db, "SELECT count(*) FROM events e WHERE NOT EXISTS"
          + " (SELECT 1 FROM deliveries d WHERE d.event_id = e.event_id AND d.status = 'DELIVERED')")).isZero();
      assertThat(receiver.requests("/hook").stream().map(r -> r.header("x-webhook-id")).distinct().count())
          .isGreaterThanOrEqualTo(acknowledged.size());
    } finally {
      publishing.set(false);
      raw.shutdownNow();
      server.stop();
      db.close();
      pg.close();
      TempDirs.delete(dir);
    }
  }

  private static int delivered(Database db) {
    return TestDatabase.countOn(db, "SELECT count(DISTINCT event_id) FROM deliveries WHERE status = 'DELIVERED'");
  }

  private static ServingStatus status(HealthGrpc.HealthBlockingStub health, String service) {
    return health.withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }

  private static EmbeddedPostgres start(Path dir, int port) throws Exception {
    return EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).setPort(port).start();
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
