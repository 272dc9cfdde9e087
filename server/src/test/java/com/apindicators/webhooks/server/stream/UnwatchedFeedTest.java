package com.apindicators.webhooks.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.WatchClient;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import com.apindicators.webhooks.v1.WatchDeliveriesResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.Test;

/**
 * With nobody watching, the change feed does not read the change log's rows (it only moves its position on); a
 * watcher that starts afterwards, again and again while deliveries are made, misses none made after it started.
 */
class UnwatchedFeedTest {
  private static final int ROUNDS = 15;

  @Test
  void theFeedReadsNoChangesWhileUnwatchedAndEachNewWatcherSeesEveryLaterDelivery() throws Exception {
    try (GrpcTestServer server = GrpcTestServer.start(); Receiver receiver = new Receiver()) {
      Fixtures f = new Fixtures(server.channel);
      f.webhook("acme", receiver.url("/ok"), "signal.buy");
      List<String> feedReads = new CopyOnWriteArrayList<>();
      server.db.jdbi().setSqlLogger(new SqlLogger() {
        @Override
        public void logAfterExecution(StatementContext ctx) {
          if (ctx.getRenderedSql().replaceAll("\\s+", " ").contains("FROM delivery_changes WHERE change_id >")
              && Thread.currentThread().getName().equals("delivery-change-feed")) {
            feedReads.add(ctx.getRenderedSql());
          }
        }
      });
      for (int i = 0; i < 20; i++) {
        f.publish("signal.buy", "{\"n\":" + i + "}", "acme");
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count(TestDatabase.COUNT_CHANGES) == 40);
      // Wait for the feed to have caught up with the last change, then check it read none of them.
      await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 0
          && TestDatabase.count("SELECT max(change_id) FROM delivery_changes") == changePosition(server));
      assertThat(feedReads).as("change-log reads by the feed with nobody watching").isEmpty();

      // Watchers come and go while deliveries are made: each sees every delivery published after it started.
      for (int round = 0; round < ROUNDS; round++) {
        try (WatchClient watch = WatchClient.open(server.channel,
            WatchDeliveriesRequest.newBuilder().setAccountId("acme").build())) {
          await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 1);
          String event = f.publish("signal.buy", "{\"round\":" + round + "}", "acme").getEvent().getEventId();
          await().atMost(Duration.ofSeconds(10)).until(() -> watch.received.stream()
              .map(WatchDeliveriesResponse::getDelivery)
              .anyMatch(d -> d.getEventId().equals(event) && d.getStatus() == DeliveryStatus.DELIVERY_STATUS_DELIVERED));
          assertThat(watch.received).extracting(r -> r.getDelivery().getEventId()).contains(event);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 0);
      }
    }
  }

  private static long changePosition(GrpcTestServer server) {
    return server.server.changeFeedPosition();
  }
}
