package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.store.PageBudget;
import com.apindicators.webhooks.v1.ListDeliveriesRequest;
import com.apindicators.webhooks.v1.ListDeliveriesResponse;
import com.apindicators.webhooks.v1.ListDeliveryAttemptsRequest;
import com.apindicators.webhooks.v1.ListDeliveryAttemptsResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A receiver answering every POST with a big error page filled its deliveries' listing pages: 500 deliveries of 16 KiB
 * bodies made a response of 8 MiB, which a gRPC client refuses by default (4 MiB). Pages now end at 1 MiB of text.
 */
class ListPageBudgetTest {
  private static final int DELIVERIES = 80;
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Receiver receiver = ext.receiver();
  private final Fixtures f = ext.fixtures();

  @Test
  void deliveryPagesEndAtTheirTextBudgetAndTheTokenGoesOn() {
    receiver.on("/big", n -> Answer.status(500, "x".repeat(20_000)));
    String w = f.webhook("big", receiver.url("/big"), "signal.buy").getWebhook().getWebhookId();
    for (int i = 0; i < DELIVERIES; i++) {
      f.publish("signal.buy", "{}", "big");
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> TestDatabase.count(
        "SELECT count(*) FROM deliveries WHERE status = 'FAILED'") == DELIVERIES);

    Set<String> seen = new HashSet<>();
    ListDeliveriesRequest.Builder r = ListDeliveriesRequest.newBuilder().setWebhookId(w).setPageSize(500);
    ListDeliveriesResponse first = f.deliveries.listDeliveries(r.build());
    // 16 KiB stored of each body, with its URL and error: 63 fit the budget, and 64 bodies alone would fill it.
    assertThat(first.getDeliveriesList()).hasSizeBetween(2, PageBudget.MAX_PAGE_CHARS / 16_384 - 1);
    assertThat(first.getSerializedSize()).isLessThan(2 * PageBudget.MAX_PAGE_CHARS);
    first.getDeliveriesList().forEach(d -> seen.add(d.getDeliveryId()));
    ListDeliveriesResponse second = f.deliveries.listDeliveries(r.setPageToken(first.getNextPageToken()).build());
    second.getDeliveriesList().forEach(d -> seen.add(d.getDeliveryId()));
    assertThat(second.getNextPageToken()).isEmpty();
    assertThat(seen).hasSize(DELIVERIES);
    // The account-wide listing likewise.
    assertThat(f.deliveries.listDeliveries(ListDeliveriesRequest.newBuilder().setAccountId("big").setPageSize(500)
        .build()).getDeliveriesCount()).isEqualTo(first.getDeliveriesCount());
  }

  @Test
  void attemptPagesEndAtTheirTextBudgetToo() {
    receiver.on("/one", n -> Answer.status(500, "x".repeat(20_000)));
    String w = f.webhook("att", receiver.url("/one"), "signal.buy").getWebhook().getWebhookId();
    f.publish("signal.buy", "{}", "att");
    await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count(
        "SELECT count(*) FROM deliveries WHERE status = 'FAILED'") == 1);
    String id = server.db.jdbi().withHandle(h -> h.createQuery("SELECT delivery_id FROM deliveries")
        .mapTo(String.class).one());
    // 79 more attempts like the first, as redeliveries over time would log.
    server.db.jdbi().useHandle(h -> h.execute("""
        INSERT INTO delivery_attempts (delivery_id, attempt, start_time, duration_ms, response_code, response_body,
            error, delivery_create_time)
        SELECT delivery_id, attempt + g, start_time, duration_ms, response_code, response_body, error,
            delivery_create_time
        FROM delivery_attempt_log, generate_series(1, 79) g
        """));

    ListDeliveryAttemptsRequest.Builder r = ListDeliveryAttemptsRequest.newBuilder().setDeliveryId(id).setPageSize(500);
    ListDeliveryAttemptsResponse first = f.deliveries.listDeliveryAttempts(r.build());
    assertThat(first.getAttemptsCount()).isBetween(2, PageBudget.MAX_PAGE_CHARS / 16_384);
    ListDeliveryAttemptsResponse second = f.deliveries.listDeliveryAttempts(
        r.setPageToken(first.getNextPageToken()).build());
    assertThat(second.getNextPageToken()).isEmpty();
    assertThat(first.getAttemptsCount() + second.getAttemptsCount()).isEqualTo(80);
    assertThat(second.getAttempts(0).getAttempt()).isEqualTo(first.getAttemptsCount() + 1);
  }
}
