package com.apindicators.webhooks.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.server.store.Database;
import com.apindicators.webhooks.v1.PublishEventRequest;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Once PublishEvent returned, the delivery happens even if the server is killed -9 mid-flight. */
class CrashRecoveryTest {
  @Test
  void deliveriesSurviveAKilledServerAndEndDeliveredOnTheNextOne() throws Exception {
    Database db = TestDatabase.clean();
    String[] args = {"--lease-seconds", "2", "--dispatcher-concurrency", "4"};
    try (Receiver receiver = new Receiver()) {
      receiver.on("/slow", n -> new Answer(200, "ok", Map.of(), 150));
      int events = 40;
      try (ServerProcess first = ServerProcess.onDatabase(db.jdbcUrl(), args)) {
        ManagedChannel channel = EndToEndTest.channel(first.port());
        try {
          Fixtures f = new Fixtures(GrpcTestServer.withKey(channel, TestKeys.ADMIN));
          f.webhook("crash", receiver.url("/slow"), "order.filled");
          for (int i = 0; i < events; i++) {
            f.events.publishEvent(PublishEventRequest.newBuilder().setType("order.filled")
                .setData(Fixtures.json("{\"n\":" + i + "}")).setAccountId("crash").build());
          }
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.requests("/slow").size() >= 5);
        first.kill();
      }
      int pendingAtCrash = TestDatabase.count("SELECT count(*) FROM deliveries WHERE status = 'PENDING'");
      assertThat(pendingAtCrash).as("deliveries left pending by the killed server").isPositive();

      try (ServerProcess second = ServerProcess.onDatabase(db.jdbcUrl(), args)) {
        await().atMost(Duration.ofSeconds(60)).until(
            () -> TestDatabase.count("SELECT count(*) FROM deliveries WHERE status = 'DELIVERED'") == events);
      }
      assertThat(TestDatabase.count("SELECT count(*) FROM deliveries")).isEqualTo(events);
      assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE status <> 'DELIVERED'")).isZero();
      List<String> ids = db.jdbi().withHandle(h -> h.createQuery("SELECT delivery_id FROM deliveries").mapTo(String.class).list());
      Set<String> received = new HashSet<>();
      receiver.requests("/slow").forEach(r -> received.add(r.header("x-webhook-id")));
      assertThat(received).containsAll(ids);
    }
  }
}
