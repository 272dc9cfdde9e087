package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.config.Metrics;
import com.apindicators.webhooks.server.config.Scrape;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * One publish to more webhooks than the dispatcher has room for, on a real server: what does not fit is parked
 * here (leased, with its data) and sent as room frees, each delivery exactly once, beside another account's burst
 * to an endpoint that answers slowly (parked too, taking turns with it).
 */
class ParkedBurstTest {
  private static final int WEBHOOKS = 40;
  private static final int QUEUE = 16;

  @Test
  void aBurstBeyondTheQueueIsParkedAndEveryDeliveryArrivesOnce() throws Exception {
    try (GrpcTestServer server = GrpcTestServer.start(GrpcTestServer.LOOPBACK.withDispatcherQueue(QUEUE));
        Receiver receiver = new Receiver();
        Metrics.Endpoint http = server.server.metrics().serve("127.0.0.1", 0)) {
      receiver.on("/slow", n -> new Answer(200, "ok", Map.of(), 300));
      Fixtures f = new Fixtures(server.channel);
      for (int i = 0; i < WEBHOOKS; i++) {
        f.webhook("burst", receiver.url("/fast/" + i), "signal.buy");
      }
      // Another account's burst to a slow endpoint first: its lane's share is taken, the rest parked or in the table.
      for (int i = 0; i < 20; i++) {
        f.webhook("slow", receiver.url("/slow"), "signal.buy");
      }
      f.publish("signal.buy", "{\"pair\":\"BTC/USDT\"}", "slow");

      f.publish("signal.buy", "{\"pair\":\"BTC/USDT\"}", "burst");

      await().atMost(Duration.ofSeconds(30)).until(() -> fastRequests(receiver).size() >= WEBHOOKS);
      List<String> ids = fastRequests(receiver).stream().map(r -> r.header("x-webhook-id")).toList();
      Set<String> distinct = new HashSet<>(ids);
      assertThat(distinct).hasSize(WEBHOOKS);
      Scrape s = Scrape.of(http);
      // At most the queue (16) was handed over at publish: the other deliveries of the burst were parked.
      assertThat(s.value("webhooks_deliveries_parked_total")).isGreaterThanOrEqualTo((double) (WEBHOOKS - QUEUE));
      await().atMost(Duration.ofSeconds(30)).until(() -> TestDatabase.count(
          "SELECT count(*) FROM deliveries WHERE account_id = 'burst' AND status = 'DELIVERED'") == WEBHOOKS);
      assertThat(TestDatabase.count("SELECT count(*) FROM delivery_attempt_log a JOIN deliveries d"
          + " ON d.delivery_id = a.delivery_id WHERE d.account_id = 'burst'"))
          .as("one attempt each").isEqualTo(WEBHOOKS);
      await().atMost(Duration.ofSeconds(30)).until(() -> Scrape.of(http).value("webhooks_dispatcher_parked") == 0);
      assertThat(fastRequests(receiver)).as("no delivery sent twice").hasSize(WEBHOOKS);
    }
  }

  private static List<Receiver.Request> fastRequests(Receiver receiver) {
    return receiver.requests().stream().filter(r -> r.path().startsWith("/fast/")).toList();
  }
}
