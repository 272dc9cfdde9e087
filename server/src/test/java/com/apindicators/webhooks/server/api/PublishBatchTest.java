package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.config.Scrape;
import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.EventServiceGrpc;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.apindicators.webhooks.v1.PublishEventResponse;
import com.apindicators.webhooks.v1.WebhookFilter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PublishEvent calls of different accounts stored together in one statement: each caller gets its own event, each
 * event reaches exactly its own webhooks, and a publish with an idempotency key is not held behind the batches.
 */
class PublishBatchTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Receiver receiver = ext.receiver();
  private final Fixtures f = ext.fixtures();
  private final ExecutorService callers = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    callers.shutdownNow();
  }

  private EventServiceGrpc.EventServiceBlockingStub as(String account) {
    return EventServiceGrpc.newBlockingStub(server.channelForAccount(account));
  }

  private static PublishEventRequest buy(String account, String pair) {
    return PublishEventRequest.newBuilder().setType("signal.buy").setAccountId(account)
        .setDataJson("{\"pair\":\"" + pair + "\"}").build();
  }

  private String webhook(String account, String path, String... pairs) {
    return f.webhook(CreateWebhookRequest.newBuilder().setAccountId(account).setName(path).setUrl(receiver.url(path))
        .addEvents("signal.buy").setFilter(WebhookFilter.newBuilder().addAllPairs(List.of(pairs))))
        .getWebhook().getWebhookId();
  }

  private double metric(String name) throws Exception {
    return Scrape.of(server.server.metrics()).value(name);
  }

  @Test
  void callsHeldBehindBusyBatchesGoTogetherAndEachGetsItsOwnEventAndWebhooks() throws Exception {
    String a1 = webhook("acme", "/a1", "BTCUSDT");
    String a2 = webhook("acme", "/a2");
    String b = webhook("globex", "/b");
    double batches = metric("webhooks_publish_batch_events_count");
    double batched = metric("webhooks_publish_batch_events_sum");
    String h1 = webhook("blocker1", "/h1");
    String h2 = webhook("blocker2", "/h2");

    // Both batch slots held: each blocker's publish waits for a lock on its webhook (its delivery's foreign key).
    try (Handle lock = TestDatabase.owner().open(); Handle lock2 = TestDatabase.owner().open()) {
      lockRow(lock, h1);
      lockRow(lock2, h2);
      String holders = backendPid(lock) + "," + backendPid(lock2);
      List<Future<PublishEventResponse>> held = new ArrayList<>();
      for (String blocker : List.of("blocker1", "blocker2")) {
        held.add(callers.submit(() -> as(blocker).publishEvent(buy(blocker, "X"))));
        int blocked = held.size();
        await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count("SELECT count(*) FROM pg_stat_activity"
            + " WHERE pg_blocking_pids(pid) && ARRAY[" + holders + "]") == blocked);
      }

      // Calls of two accounts, one naming its webhook (its filter does not apply), queue behind them.
      Map<String, PublishEventRequest> calls = Map.of(
          "acme-eth", buy("acme", "ETHUSDT"),
          "acme-btc", buy("acme", "BTCUSDT"),
          "acme-named", buy("acme", "ETHUSDT").toBuilder().setDataJson("{\"pair\":\"DOGE\"}").addWebhookIds(a1).build(),
          "globex-1", buy("globex", "SOLUSDT"),
          "globex-2", buy("globex", "ADAUSDT"));
      Map<String, Future<PublishEventResponse>> queued = new java.util.HashMap<>();
      for (var call : calls.entrySet()) {
        String account = call.getValue().getAccountId();
        queued.put(call.getKey(), callers.submit(() -> as(account).publishEvent(call.getValue())));
        int waiting = queued.size();
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("webhooks_publish_waiting") == waiting);
      }

      // With an idempotency key a publish runs alone, in its own transaction: not held behind the batches.
      PublishEventResponse keyed = as("globex").publishEvent(buy("globex", "KEYED").toBuilder()
          .setIdempotencyKey("k-1").build());
      assertThat(keyed.getDeliveriesCreated()).isEqualTo(1);
      assertThat(queued.values()).noneMatch(Future::isDone);
      // One slot freed: the oldest waiting call takes the others into its batch, beside the other slot still held.
      lock.rollback();
      Map<String, PublishEventResponse> answers = new java.util.HashMap<>();
      for (var q : queued.entrySet()) {
        answers.put(q.getKey(), q.getValue().get(10, TimeUnit.SECONDS));
      }
      assertThat(held.get(1).isDone()).isFalse();
      lock2.rollback();
      for (Future<PublishEventResponse> h : held) {
        assertThat(h.get(10, TimeUnit.SECONDS).getDeliveriesCreated()).isEqualTo(1);
      }
      assertThat(answers.get("acme-eth").getDeliveriesCreated()).isEqualTo(1);
      assertThat(answers.get("acme-btc").getDeliveriesCreated()).isEqualTo(2);
      assertThat(answers.get("acme-named").getDeliveriesCreated()).isEqualTo(1);
      assertThat(answers.get("globex-1").getDeliveriesCreated()).isEqualTo(1);
      assertThat(answers.get("globex-2").getDeliveriesCreated()).isEqualTo(1);
      assertThat(new HashSet<>(answers.values().stream().map(r -> r.getEvent().getEventId()).toList())).hasSize(5);

      // Each endpoint got exactly its own events' data, each delivery of the event its publisher was given.
      await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests().size() == 2 + 2 + 2 + 3);
      assertThat(pairs("/a1")).containsExactlyInAnyOrder("BTCUSDT", "DOGE");
      assertThat(pairs("/a2")).containsExactlyInAnyOrder("ETHUSDT", "BTCUSDT");
      assertThat(pairs("/b")).containsExactlyInAnyOrder("SOLUSDT", "ADAUSDT", "KEYED");
      // Each delivery received carries the data of the event whose id its caller was given.
      Map<String, String> pairOfEvent = new java.util.HashMap<>();
      answers.forEach((call, r) -> pairOfEvent.put(r.getEvent().getEventId(), pair(calls.get(call).getDataJson())));
      pairOfEvent.put(keyed.getEvent().getEventId(), "KEYED");
      for (String webhookId : List.of(a1, a2, b)) {
        Map<String, String> eventOfDelivery = new java.util.HashMap<>();
        f.deliveriesOf(webhookId).forEach(d -> eventOfDelivery.put(d.getDeliveryId(), d.getEventId()));
        assertThat(eventOfDelivery).hasSize(webhookId.equals(b) ? 3 : 2);
        for (Receiver.Request r : receiver.requests()) {
          String event = eventOfDelivery.get(r.header("x-webhook-id"));
          if (event != null) {
            assertThat(pair(r.bodyText())).isEqualTo(pairOfEvent.get(event));
          }
        }
      }
      // The two blocked batches of one, and the five queued together (the keyed publish is no batch).
      assertThat(metric("webhooks_publish_batch_events_count") - batches).isEqualTo(3);
      assertThat(metric("webhooks_publish_batch_events_sum") - batched).isEqualTo(7);
    }
  }

  private static void lockRow(Handle h, String webhookId) {
    h.begin();
    h.createQuery("SELECT webhook_id FROM webhooks WHERE webhook_id = :id FOR UPDATE").bind("id", webhookId)
        .mapTo(String.class).one();
  }

  private static int backendPid(Handle h) {
    return h.createQuery("SELECT pg_backend_pid()").mapTo(Integer.class).one();
  }

  /** The {@code pair} in a JSON text (a body, or an event's data). */
  private static String pair(String json) {
    return json.replaceAll("(?s).*\"pair\":\"([^\"]+)\".*", "$1");
  }

  /** The {@code pair} of each body an endpoint received. */
  private List<String> pairs(String path) {
    return receiver.requests(path).stream().map(r -> pair(r.bodyText())).toList();
  }

  @Test
  void aLonePublishIsABatchOfOne() throws Exception {
    webhook("acme", "/a");
    double batches = metric("webhooks_publish_batch_events_count");
    double batched = metric("webhooks_publish_batch_events_sum");
    CompletableFuture<PublishEventResponse> r = CompletableFuture.supplyAsync(
        () -> as("acme").publishEvent(buy("acme", "BTCUSDT")), callers);
    assertThat(r.get(10, TimeUnit.SECONDS).getDeliveriesCreated()).isEqualTo(1);
    assertThat(metric("webhooks_publish_batch_events_count") - batches).isEqualTo(1);
    assertThat(metric("webhooks_publish_batch_events_sum") - batched).isEqualTo(1);
  }

  @Test
  void aPairHoldingNulIsStoredAndDeliveredMatchingNoFilterAndFailsNobodyElse() throws Exception {
    webhook("acme", "/any");
    webhook("acme", "/btc", "BTCUSDT");
    webhook("globex", "/g");
    // PostgreSQL text cannot hold NUL: sent to the database as the filter's pair, it failed the statement (22021).
    Future<PublishEventResponse> nul = callers.submit(() -> as("acme").publishEvent(
        buy("acme", "x").toBuilder().setDataJson("{\"pair\":\"BTC\\u0000USDT\"}").build()));
    Future<PublishEventResponse> other = callers.submit(() -> as("globex").publishEvent(buy("globex", "ETHUSDT")));
    assertThat(nul.get(10, TimeUnit.SECONDS).getDeliveriesCreated()).isEqualTo(1);
    assertThat(other.get(10, TimeUnit.SECONDS).getDeliveriesCreated()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/any").size() == 1
        && receiver.requests("/g").size() == 1);
    assertThat(receiver.requests("/any").get(0).bodyText()).contains("\"pair\":\"BTC\\u0000USDT\"");
    assertThat(receiver.requests("/btc")).isEmpty();
  }

  @Test
  void aBroadcastRunsAloneNotInABatchWithAccountsPublishes() throws Exception {
    webhook("acme", "/a");
    webhook("globex", "/g");
    double batches = metric("webhooks_publish_batch_events_count");
    PublishEventResponse r = f.events.publishEvent(PublishEventRequest.newBuilder().setType("signal.buy")
        .setDataJson("{\"pair\":\"BTCUSDT\"}").build());
    assertThat(r.getDeliveriesCreated()).isEqualTo(2);
    assertThat(metric("webhooks_publish_batch_events_count")).isEqualTo(batches);
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests().size() == 2);
  }
}
