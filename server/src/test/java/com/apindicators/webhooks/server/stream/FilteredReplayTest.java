package com.apindicators.webhooks.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.WatchClient;
import com.apindicators.webhooks.server.api.ResumeTokens;
import com.apindicators.webhooks.server.delivery.ChangeLog;
import com.apindicators.webhooks.server.security.SealedTokens;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import com.apindicators.webhooks.v1.WatchDeliveriesResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A resumed watch whose filter matches few of its account's changes replays them in pages that each read at most
 * {@link WatchHub#REPLAY_SCAN} changes ({@code ChangeLogReplayTest} shows the bound), continuing where a page's scan
 * ended: it gets every change it asked for, in order, then goes live, with none missed between the scans.
 */
class FilteredReplayTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Receiver receiver = ext.receiver();
  private final Fixtures f = ext.fixtures();

  @Test
  void aSparseFilterReplaysAcrossManyScansThenGoesLive() throws Exception {
    String webhookId = f.webhook("acme", receiver.url("/rare"), "signal.buy").getWebhook().getWebhookId();
    int rows = 2 * WatchHub.REPLAY_SCAN + 5_000;
    server.db.jdbi().useHandle(h -> h.createUpdate("""
        INSERT INTO delivery_changes (delivery_id, webhook_id, account_id, event_id, event_type, url, status,
            response_code, error, attempt_count, duration_ms, create_time)
        SELECT 'dlv_old' || g, CASE WHEN g IN (:a, :b, :c) THEN :webhook ELSE 'wh_noise' END, 'acme', 'evt_' || g,
            'signal.buy', 'http://127.0.0.1:9/', 'DELIVERED', 200, '', 1, 5, now()
        FROM generate_series(1, :rows) g
        """).bind("a", WatchHub.REPLAY_SCAN / 2).bind("b", WatchHub.REPLAY_SCAN + 500)
        .bind("c", rows - 1).bind("webhook", webhookId).bind("rows", rows).execute());
    // The live feed passes them first, so that only the replay can hand them to the watch.
    long newest = TestDatabase.count("SELECT max(change_id) FROM delivery_changes");
    server.db.jdbi().useHandle(h -> h.createQuery("SELECT pg_notify(:channel, '')").bind("channel", ChangeLog.CHANNEL)
        .mapTo(String.class).one());
    await().atMost(Duration.ofSeconds(10)).until(() -> server.server.changeFeedPosition() >= newest);
    String fromTheStart = new ResumeTokens(new SealedTokens(server.secrets)).token(1);

    try (WatchClient watch = WatchClient.open(server.channel, WatchDeliveriesRequest.newBuilder().setAccountId("acme")
        .addWebhookIds(webhookId).setResumeToken(fromTheStart).build())) {
      await().atMost(Duration.ofSeconds(20)).until(() -> watch.received.size() >= 3);
      f.publish("signal.buy", "{}", "acme");
      await().atMost(Duration.ofSeconds(20)).until(() -> watch.received.stream()
          .anyMatch(r -> r.getDelivery().getStatus() == DeliveryStatus.DELIVERY_STATUS_DELIVERED
              && !r.getDelivery().getDeliveryId().startsWith("dlv_old")));
      List<String> ids = watch.received.stream().map(r -> r.getDelivery().getDeliveryId()).toList();
      assertThat(ids.subList(0, 3)).containsExactly("dlv_old" + WatchHub.REPLAY_SCAN / 2,
          "dlv_old" + (WatchHub.REPLAY_SCAN + 500), "dlv_old" + (rows - 1));
      assertThat(ids.subList(3, ids.size())).doesNotContainAnyElementsOf(ids.subList(0, 3)).hasSize(2);
      assertThat(watch.received.stream().map(WatchDeliveriesResponse::getResumeToken)).doesNotHaveDuplicates();
    }
  }
}
