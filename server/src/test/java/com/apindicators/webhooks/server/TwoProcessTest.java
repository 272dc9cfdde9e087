package com.apindicators.webhooks.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.api.ResumeTokens;
import com.apindicators.webhooks.server.security.SealedTokens;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.store.Database;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two server processes on one PostgreSQL share the deliveries, and a watcher on one sees the other's. */
class TwoProcessTest {
  @Test
  void watcherOnOneProcessSeesDeliveriesMadeByAnotherAndNothingIsSentTwice() throws Exception {
    Database db = TestDatabase.clean();
    try (Receiver receiver = new Receiver(); ServerProcess a = ServerProcess.onDatabase(db.jdbcUrl());
        ServerProcess b = ServerProcess.onDatabase(db.jdbcUrl())) {
      ManagedChannel toA = EndToEndTest.channel(a.port());
      ManagedChannel toB = EndToEndTest.channel(b.port());
      io.grpc.Channel adminA = GrpcTestServer.withKey(toA, TestKeys.ADMIN);
      io.grpc.Channel adminB = GrpcTestServer.withKey(toB, TestKeys.ADMIN);
      // The change log starts empty, so "after change 0" replays everything: no race with the watch's start.
      String fromTheStart = new ResumeTokens(new SealedTokens(new SecretBox(List.of(TestKeys.MASTER)))).token(0);
      try (WatchClient watchOnB = WatchClient.open(adminB,
          WatchDeliveriesRequest.newBuilder().setAccountId("two").setResumeToken(fromTheStart).build())) {
        Fixtures viaA = new Fixtures(adminA);
        Fixtures viaB = new Fixtures(adminB);
        for (int i = 0; i < 4; i++) {
          viaA.webhook("two", receiver.url("/t" + i), "order.filled");
        }
        for (int i = 0; i < 25; i++) {
          (i % 2 == 0 ? viaA : viaB).publish("order.filled", "{\"n\":" + i + "}", "two");
        }
        await().atMost(Duration.ofSeconds(30)).until(
            () -> TestDatabase.count("SELECT count(*) FROM deliveries WHERE status = 'DELIVERED'") == 100);
        await().atMost(Duration.ofSeconds(10)).until(() -> watchOnB.received.stream()
            .filter(r -> r.getDelivery().getStatus() == DeliveryStatus.DELIVERY_STATUS_DELIVERED).count() == 100);
        assertThat(watchOnB.received).hasSize(200);
        List<String> ids = receiver.requests().stream().map(r -> r.header("x-webhook-id")).toList();
        assertThat(ids).hasSize(100).doesNotHaveDuplicates();
      } finally {
        toA.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        toB.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
