package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.delivery.HttpSender;

import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.v1.*;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DeliveryPipelineTest {
  static final String DOCS_DATA =
      "{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"score\":0.87,\"market_type\":\"trending\",\"interval\":\"1h\"}";
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final Receiver receiver = ext.receiver();
  private final Fixtures f = ext.fixtures();

  private Delivery awaitFinal(String deliveryId) {
    await().atMost(Duration.ofSeconds(20)).until(
        () -> f.delivery(deliveryId).getStatus() != DeliveryStatus.DELIVERY_STATUS_PENDING);
    return f.delivery(deliveryId);
  }

  private String onlyDeliveryOf(String webhookId) {
    await().atMost(Duration.ofSeconds(10)).until(() -> !f.deliveriesOf(webhookId).isEmpty());
    return f.deliveriesOf(webhookId).get(0).getDeliveryId();
  }

  @Test
  void signalBuyArrivesExactlyAsTheDocsShowAndIsLoggedDelivered() throws Exception {
    receiver.on("/hook", n -> Answer.status(200, "{\"received\":true}"));
    CreateWebhookResponse wh = f.webhook("acme", receiver.url("/hook"), "signal.buy");
    PublishEventResponse published = f.events.publishEvent(PublishEventRequest.newBuilder()
        .setType("signal.buy").setData(Fixtures.json(DOCS_DATA)).setAccountId("acme")
        .setTimestamp(Timestamp.newBuilder().setSeconds(1775226600L)).build());
    assertThat(published.getDeliveriesCreated()).isEqualTo(1);
    assertThat(published.getEvent().getEventId()).startsWith("evt_");

    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/hook").size() == 1);
    Receiver.Request r = receiver.requests("/hook").get(0);
    String expected = "{\"event\":\"signal.buy\",\"timestamp\":\"2026-04-03T14:30:00Z\",\"data\":" + DOCS_DATA + "}";
    assertThat(r.bodyText()).isEqualTo(expected);
    assertThat(r.header("content-type")).isEqualTo("application/json");
    String secret = wh.getSigningSecret();
    assertThat(r.header("x-webhook-signature")).isEqualTo("sha256=" + hexHmac(secret.getBytes(StandardCharsets.UTF_8), r.body()));
    assertThat(r.header("x-webhook-event")).isEqualTo("signal.buy");
    assertThat(r.header("user-agent")).startsWith("APIndicators-Webhooks/");
    String deliveryId = r.header("x-webhook-id");
    assertThat(deliveryId).startsWith("dlv_").isEqualTo(r.header("webhook-id"));
    String ts = r.header("webhook-timestamp");
    assertThat(r.header("x-webhook-timestamp")).isEqualTo(ts);
    assertThat(Long.parseLong(ts)).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(60L));
    byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    byte[] signed = (deliveryId + "." + ts + "." + r.bodyText()).getBytes(StandardCharsets.UTF_8);
    assertThat(r.header("webhook-signature")).isEqualTo("v1," + Base64.getEncoder().encodeToString(hmac(key, signed)));

    Delivery d = awaitFinal(deliveryId);
    assertThat(d.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
    assertThat(d.getResponseCode()).isEqualTo(200);
    assertThat(d.getResponseBody()).isEqualTo("{\"received\":true}");
    assertThat(d.getError()).isEmpty();
    assertThat(d.getAttemptCount()).isEqualTo(1);
    assertThat(d.getEventId()).isEqualTo(published.getEvent().getEventId());
    assertThat(d.getWebhookId()).isEqualTo(wh.getWebhook().getWebhookId());
    assertThat(d.hasCompleteTime()).isTrue();
    assertThat(f.deliveriesOf(wh.getWebhook().getWebhookId())).extracting(Delivery::getDeliveryId).containsExactly(deliveryId);
    assertThat(TestDatabase.count("SELECT count(*) FROM delivery_attempt_log WHERE response_code = 200")).isEqualTo(1);
  }

  @Test
  void integersStayIntegersAndNestedDataKeepsItsShape() throws Exception {
    f.webhook("acme", receiver.url("/hook"), "backtest.run");
    String data = "{\"trades\":42,\"pnl\":-12.5,\"tags\":[\"a\",1,true,null],\"nested\":{\"x\":1e3,\"q\":\"\\\"quoted\\\"\"}}";
    f.publish("backtest.run", data, "acme");
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/hook").size() == 1);
    assertThat(receiver.requests("/hook").get(0).bodyText())
        .endsWith(",\"data\":{\"trades\":42,\"pnl\":-12.5,\"tags\":[\"a\",1,true,null],\"nested\":{\"x\":1000,\"q\":\"\\\"quoted\\\"\"}}}")
        .matches("\\{\"event\":\"backtest.run\",\"timestamp\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\",.*");
  }

  @Test
  void non2xxRedirectAndRefusedAllEndFailedWithTheirDetails() throws Exception {
    receiver.on("/500", n -> Answer.status(500, "boom"));
    receiver.on("/404", n -> Answer.status(404, ""));
    receiver.on("/302", n -> new Answer(302, "", Map.of("Location", receiver.url("/elsewhere")), 0));
    String w500 = f.webhook("acme", receiver.url("/500"), "order.filled").getWebhook().getWebhookId();
    String w404 = f.webhook("acme", receiver.url("/404"), "order.filled").getWebhook().getWebhookId();
    String w302 = f.webhook("acme", receiver.url("/302"), "order.filled").getWebhook().getWebhookId();
    String refused = f.webhook("acme", "http://127.0.0.1:" + closedPort() + "/x", "order.filled").getWebhook().getWebhookId();
    assertThat(f.publish("order.filled", "{\"pair\":\"ETHUSDT\"}", "acme").getDeliveriesCreated()).isEqualTo(4);

    Delivery d500 = awaitFinal(onlyDeliveryOf(w500));
    assertThat(d500.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_FAILED);
    assertThat(d500.getResponseCode()).isEqualTo(500);
    assertThat(d500.getResponseBody()).isEqualTo("boom");
    assertThat(d500.getError()).contains("HTTP 500");

    Delivery d404 = awaitFinal(onlyDeliveryOf(w404));
    assertThat(d404.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_FAILED);
    assertThat(d404.getResponseCode()).isEqualTo(404);

    Delivery d302 = awaitFinal(onlyDeliveryOf(w302));
    assertThat(d302.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_FAILED);
    assertThat(d302.getResponseCode()).isEqualTo(302);
    assertThat(d302.getError()).contains("redirect");
    assertThat(receiver.requests("/elsewhere")).isEmpty();

    Delivery dRefused = awaitFinal(onlyDeliveryOf(refused));
    assertThat(dRefused.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_FAILED);
    assertThat(dRefused.getResponseCode()).isZero();
    assertThat(dRefused.getError()).containsIgnoringCase("refused");
    assertThat(dRefused.getAttemptCount()).isEqualTo(1);
  }

  @Test
  void responseBodyIsStoredUpTo16KiB() throws Exception {
    receiver.on("/big", n -> Answer.status(200, "x".repeat(100_000)));
    String w = f.webhook("acme", receiver.url("/big"), "signal.sell").getWebhook().getWebhookId();
    f.publish("signal.sell", "{}", "acme");
    Delivery d = awaitFinal(onlyDeliveryOf(w));
    assertThat(d.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
    assertThat(d.getResponseBody()).hasSize(HttpSender.MAX_RESPONSE_BODY_BYTES);
  }

  @Test
  void broadcastFansOutToEverySubscribedEnabledWebhookOfEveryAccount() throws Exception {
    for (int i = 0; i < 40; i++) {
      f.webhook("acct-" + (i % 8), receiver.url("/fan/" + i), "signal.buy", "signal.sell");
    }
    f.webhook("acct-x", receiver.url("/other-type"), "order.filled");
    String disabled = f.webhook("acct-x", receiver.url("/disabled"), "signal.buy").getWebhook().getWebhookId();
    f.webhooks.updateWebhook(UpdateWebhookRequest.newBuilder()
        .setWebhook(Webhook.newBuilder().setWebhookId(disabled).setEnabled(false))
        .setUpdateMask(com.google.protobuf.FieldMask.newBuilder().addPaths("enabled")).build());
    PublishEventResponse r = f.publish("signal.buy", DOCS_DATA, "");
    assertThat(r.getDeliveriesCreated()).isEqualTo(40);
    assertThat(r.getEvent().getAccountId()).isEmpty();
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.requests().size() >= 40);
    assertThat(receiver.requests()).extracting(Receiver.Request::path).doesNotHaveDuplicates()
        .allMatch(p -> p.startsWith("/fan/"));
    await().atMost(Duration.ofSeconds(10)).until(
        () -> TestDatabase.count("SELECT count(*) FROM deliveries WHERE status = 'DELIVERED'") == 40);
  }

  @Test
  void anAccountScopedEventNeverReachesAnotherAccount() throws Exception {
    String a = f.webhook("account-a", receiver.url("/a"), "order.filled").getWebhook().getWebhookId();
    f.webhook("account-b", receiver.url("/b"), "order.filled");
    assertThat(f.publish("order.filled", "{\"pair\":\"BTCUSDT\"}", "account-a").getDeliveriesCreated()).isEqualTo(1);
    awaitFinal(onlyDeliveryOf(a));
    assertThat(receiver.requests("/a")).hasSize(1);
    assertThat(receiver.requests("/b")).isEmpty();
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE account_id = 'account-b'")).isZero();
  }

  @Test
  void filtersNarrowWhichSignalsReachAWebhook() throws Exception {
    f.webhook(CreateWebhookRequest.newBuilder().setAccountId("f").setName("btc strong").setUrl(receiver.url("/btc"))
        .addEvents("signal.buy").setFilter(WebhookFilter.newBuilder().addPairs("BTCUSDT").addIntervals("1h").setMinScore(0.8)));
    f.webhook("f", receiver.url("/all"), "signal.buy");
    assertThat(f.publish("signal.buy", DOCS_DATA, "f").getDeliveriesCreated()).isEqualTo(2);
    assertThat(f.publish("signal.buy", DOCS_DATA.replace("0.87", "0.5"), "f").getDeliveriesCreated()).isEqualTo(1);
    assertThat(f.publish("signal.buy", DOCS_DATA.replace("BTCUSDT", "ETHUSDT"), "f").getDeliveriesCreated()).isEqualTo(1);
    assertThat(f.publish("signal.buy", DOCS_DATA.replace("\"1h\"", "\"4h\""), "f").getDeliveriesCreated()).isEqualTo(1);
    assertThat(f.publish("signal.buy", "{\"side\":\"buy\"}", "f").getDeliveriesCreated()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests().size() == 6);
    assertThat(receiver.requests("/btc")).hasSize(1);
  }

  @Test
  void sameIdempotencyKeyReturnsTheFirstEventAndCreatesNothing() throws Exception {
    f.webhook("i", receiver.url("/i"), "signal.buy");
    PublishEventRequest req = PublishEventRequest.newBuilder().setType("signal.buy").setData(Fixtures.json(DOCS_DATA))
        .setAccountId("i").setIdempotencyKey("signal-123").build();
    PublishEventResponse first = f.events.publishEvent(req);
    PublishEventResponse again = f.events.publishEvent(req);
    assertThat(again.getEvent()).isEqualTo(first.getEvent());
    assertThat(again.getDeliveriesCreated()).isEqualTo(first.getDeliveriesCreated());
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries")).isEqualTo(1);
    assertThat(TestDatabase.count("SELECT count(*) FROM events")).isEqualTo(1);

    var conflict = failing(() -> f.events.publishEvent(req.toBuilder().setData(Fixtures.json("{\"pair\":\"X\"}")).build()));
    assertThat(conflict.code()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(conflict.reason()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
    assertThat(conflict.message()).contains("signal-123").contains(first.getEvent().getEventId());
    assertThat(TestDatabase.count("SELECT count(*) FROM events")).isEqualTo(1);
  }

  @Test
  void anEventNoWebhookTakesIsNotStoredUnlessItsIdempotencyKeyMustBeRemembered() throws Exception {
    f.webhook("other", receiver.url("/o"), "signal.buy");
    String big = "{\"blob\":\"" + "x".repeat(60_000) + "\"}";
    for (int i = 0; i < 5; i++) {
      PublishEventResponse r = f.publish("signal.buy", big, "no-webhooks");
      assertThat(r.getDeliveriesCreated()).isZero();
      assertThat(r.getEvent().getEventId()).startsWith("evt_");
    }
    assertThat(f.publish("order.filled", "{}", "other").getDeliveriesCreated()).as("subscribed to another type").isZero();
    assertThat(TestDatabase.count("SELECT count(*) FROM events")).isZero();

    PublishEventRequest keyed = PublishEventRequest.newBuilder().setType("signal.buy").setData(Fixtures.json("{}"))
        .setAccountId("no-webhooks").setIdempotencyKey("k-1").build();
    PublishEventResponse first = f.events.publishEvent(keyed);
    assertThat(f.events.publishEvent(keyed).getEvent()).isEqualTo(first.getEvent());
    assertThat(failing(() -> f.events.publishEvent(keyed.toBuilder().setData(Fixtures.json("{\"a\":1}")).build())).reason())
        .isEqualTo("IDEMPOTENCY_KEY_REUSED");
    assertThat(TestDatabase.count("SELECT count(*) FROM events")).isEqualTo(1);
  }

  @Test
  void concurrentDuplicatesCreateOneEvent() throws Exception {
    f.webhook("c", receiver.url("/c"), "signal.buy");
    PublishEventRequest req = PublishEventRequest.newBuilder().setType("signal.buy").setData(Fixtures.json(DOCS_DATA))
        .setAccountId("c").setIdempotencyKey("dup").build();
    List<Thread> threads = new java.util.ArrayList<>();
    java.util.Set<String> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
    for (int i = 0; i < 8; i++) {
      Thread t = new Thread(() -> ids.add(f.events.publishEvent(req).getEvent().getEventId()));
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(ids).hasSize(1);
    assertThat(TestDatabase.count("SELECT count(*) FROM events")).isEqualTo(1);
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries")).isEqualTo(1);
  }

  @Test
  void retriesWithBackoffUntilDeliveredAndLogsEveryAttempt() throws Exception {
    receiver.on("/flaky", n -> n < 3 ? Answer.status(503, "busy") : Answer.ok());
    String w = f.webhook(CreateWebhookRequest.newBuilder().setAccountId("r").setName("flaky").setUrl(receiver.url("/flaky"))
        .addEvents("signal.buy").setRetryPolicy(RetryPolicy.newBuilder().setMaxAttempts(3)
            .setInitialBackoff(com.google.protobuf.Duration.newBuilder().setNanos(200_000_000))
            .setMaxBackoff(com.google.protobuf.Duration.newBuilder().setSeconds(1)))).getWebhook().getWebhookId();
    f.publish("signal.buy", DOCS_DATA, "r");
    String id = onlyDeliveryOf(w);
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/flaky").size() >= 1);
    Delivery d = awaitFinal(id);
    assertThat(d.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
    assertThat(d.getAttemptCount()).isEqualTo(3);
    List<Receiver.Request> got = receiver.requests("/flaky");
    assertThat(got).hasSize(3);
    assertThat(got).extracting(Receiver.Request::bodyText).containsOnly(got.get(0).bodyText());
    assertThat(got).extracting(x -> x.header("x-webhook-id")).containsOnly(id);
    assertThat(Duration.ofNanos(got.get(1).receivedNanos() - got.get(0).receivedNanos())).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    assertThat(TestDatabase.count("SELECT count(*) FROM delivery_attempt_log WHERE delivery_id = '" + id + "'")).isEqualTo(3);
    assertThat(TestDatabase.count("SELECT count(*) FROM delivery_attempt_log WHERE response_code = 503")).isEqualTo(2);
  }

  @Test
  void retryAfterIsHonouredWithinTheCapAndExhaustedRetriesFail() throws Exception {
    receiver.on("/limited", n -> new Answer(429, "slow down", Map.of("Retry-After", "3"), 0));
    String w = f.webhook(CreateWebhookRequest.newBuilder().setAccountId("r").setName("limited").setUrl(receiver.url("/limited"))
        .addEvents("signal.buy").setRetryPolicy(RetryPolicy.newBuilder().setMaxAttempts(2)
            .setInitialBackoff(com.google.protobuf.Duration.newBuilder().setNanos(100_000_000))
            .setMaxBackoff(com.google.protobuf.Duration.newBuilder().setSeconds(5)))).getWebhook().getWebhookId();
    f.publish("signal.buy", DOCS_DATA, "r");
    String id = onlyDeliveryOf(w);
    // Between the attempts (Retry-After: 3 s, within the 5 s cap) the delivery waits, pending, with its next
    // attempt time set. Asserted on the read that saw the first attempt (a later read may see the second).
    Delivery pending = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .until(() -> f.delivery(id), x -> x.getAttemptCount() >= 1);
    assertThat(pending.getAttemptCount()).isEqualTo(1);
    assertThat(pending.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_PENDING);
    assertThat(com.google.protobuf.util.Timestamps.toMillis(pending.getNextAttemptTime())
        - com.google.protobuf.util.Timestamps.toMillis(pending.getCreateTime())).as("Retry-After: 3 s honoured")
        .isGreaterThanOrEqualTo(2900);
    Delivery d = awaitFinal(id);
    assertThat(d.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_FAILED);
    assertThat(d.getAttemptCount()).isEqualTo(2);
    assertThat(d.getResponseCode()).isEqualTo(429);
    List<Receiver.Request> got = receiver.requests("/limited");
    assertThat(Duration.ofNanos(got.get(1).receivedNanos() - got.get(0).receivedNanos())).isGreaterThanOrEqualTo(Duration.ofMillis(2950));
  }

  @Test
  void redeliverSendsTheSameBodyAgainAsANewLoggedAttempt() throws Exception {
    receiver.on("/re", n -> n == 1 ? Answer.status(500, "down") : Answer.ok());
    String w = f.webhook("re", receiver.url("/re"), "signal.buy").getWebhook().getWebhookId();
    f.publish("signal.buy", DOCS_DATA, "re");
    String id = onlyDeliveryOf(w);
    assertThat(awaitFinal(id).getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_FAILED);

    f.deliveries.redeliverDelivery(RedeliverDeliveryRequest.newBuilder().setDeliveryId(id).build());
    Delivery d = awaitFinal(id);
    assertThat(d.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
    assertThat(d.getAttemptCount()).isEqualTo(2);
    List<Receiver.Request> got = receiver.requests("/re");
    assertThat(got).hasSize(2);
    assertThat(got.get(1).body()).isEqualTo(got.get(0).body());
    assertThat(got.get(1).header("x-webhook-id")).isEqualTo(id);

    f.deliveries.redeliverDelivery(RedeliverDeliveryRequest.newBuilder().setDeliveryId(id).build());
    assertThat(awaitFinal(id).getAttemptCount()).isEqualTo(3);
    assertThat(TestDatabase.count("SELECT count(*) FROM delivery_attempt_log WHERE delivery_id = '" + id + "'")).isEqualTo(3);

    assertThat(failing(() -> f.deliveries.redeliverDelivery(
        RedeliverDeliveryRequest.newBuilder().setDeliveryId("dlv_nope").build())).code()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void aRedeliveryToAWebhookThatTakesNoEventsIsRefusedAndSendsNothing() throws Exception {
    receiver.on("/off", n -> Answer.status(500, "down"));
    String w = f.webhook("off", receiver.url("/off"), "signal.buy").getWebhook().getWebhookId();
    f.publish("signal.buy", DOCS_DATA, "off");
    String id = onlyDeliveryOf(w);
    assertThat(awaitFinal(id).getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_FAILED);
    RedeliverDeliveryRequest again = RedeliverDeliveryRequest.newBuilder().setDeliveryId(id).build();

    f.webhooks.updateWebhook(UpdateWebhookRequest.newBuilder()
        .setWebhook(Webhook.newBuilder().setWebhookId(w).setEnabled(false))
        .setUpdateMask(com.google.protobuf.FieldMask.newBuilder().addPaths("enabled")).build());
    var disabled = failing(() -> f.deliveries.redeliverDelivery(again));
    assertThat(disabled.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(disabled.reason()).isEqualTo("WEBHOOK_NOT_SUBSCRIBED");
    assertThat(disabled.message()).contains(w).contains("disabled").contains("UpdateWebhook");

    f.webhooks.updateWebhook(UpdateWebhookRequest.newBuilder()
        .setWebhook(Webhook.newBuilder().setWebhookId(w).setEnabled(true))
        .setUpdateMask(com.google.protobuf.FieldMask.newBuilder().addPaths("enabled")).build());
    // As a DeleteWebhook step in progress marks it.
    TestDatabase.get().jdbi().useHandle(h -> h.execute(
        "UPDATE webhooks SET deleting_until = now() + interval '1 minute' WHERE webhook_id = ?", w));
    assertThat(failing(() -> f.deliveries.redeliverDelivery(again)).reason()).isEqualTo("WEBHOOK_BEING_DELETED");
    assertThat(receiver.requests("/off")).hasSize(1);
    assertThat(TestDatabase.count("SELECT count(*) FROM delivery_attempt_log WHERE delivery_id = '" + id + "'")).isEqualTo(1);

    TestDatabase.get().jdbi().useHandle(h -> h.execute("UPDATE webhooks SET deleting_until = NULL WHERE webhook_id = ?",
        w));
    f.deliveries.redeliverDelivery(again);
    assertThat(awaitFinal(id).getAttemptCount()).isEqualTo(2);
    // The first attempt and this one: the refused redeliveries sent nothing, then or later.
    assertThat(receiver.requests("/off")).hasSize(2);
  }

  @Test
  void listDeliveriesIsNewestFirstFilteredAndPaginated() throws Exception {
    receiver.on("/mixed", n -> n % 2 == 0 ? Answer.status(500, "") : Answer.ok());
    String w = f.webhook("l", receiver.url("/mixed"), "signal.buy").getWebhook().getWebhookId();
    List<String> eventIds = new java.util.ArrayList<>();
    for (int i = 0; i < 6; i++) {
      eventIds.add(f.publish("signal.buy", DOCS_DATA, "l").getEvent().getEventId());
      int expected = i + 1;
      await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count(
          "SELECT count(*) FROM deliveries WHERE status <> 'PENDING'") == expected);
    }
    List<String> seen = new java.util.ArrayList<>();
    String token = "";
    do {
      ListDeliveriesResponse page = f.deliveries.listDeliveries(ListDeliveriesRequest.newBuilder()
          .setWebhookId(w).setPageSize(4).setPageToken(token).build());
      page.getDeliveriesList().forEach(d -> seen.add(d.getEventId()));
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    java.util.Collections.reverse(eventIds);
    assertThat(seen).isEqualTo(eventIds);
    ListDeliveriesResponse failed = f.deliveries.listDeliveries(ListDeliveriesRequest.newBuilder()
        .setWebhookId(w).addStatuses(DeliveryStatus.DELIVERY_STATUS_FAILED).build());
    assertThat(failed.getDeliveriesList()).hasSize(3).allMatch(d -> d.getStatus() == DeliveryStatus.DELIVERY_STATUS_FAILED);
    assertThat(failing(() -> f.deliveries.listDeliveries(ListDeliveriesRequest.newBuilder().setWebhookId("wh_missing").build())).code())
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void badPublishRequestsAreInvalidAndStoreNothing() {
    f.webhook("v", receiver.url("/v"), "signal.buy");
    StringBuilder big = new StringBuilder("{\"blob\":\"").append("x".repeat(64 * 1024)).append("\"}");
    Map<String, PublishEventRequest> bad = Map.of(
        "type", PublishEventRequest.newBuilder().setType("signal.hold").build(),
        "data", PublishEventRequest.newBuilder().setType("signal.buy").setData(Fixtures.json(big.toString())).build(),
        "account_id", PublishEventRequest.newBuilder().setType("signal.buy").setAccountId("bad id").build(),
        "idempotency_key", PublishEventRequest.newBuilder().setType("signal.buy").setIdempotencyKey("k".repeat(201)).build(),
        "timestamp", PublishEventRequest.newBuilder().setType("signal.buy")
            .setTimestamp(Timestamp.newBuilder().setSeconds(Long.MAX_VALUE)).build());
    bad.forEach((field, req) -> {
      var e = failing(() -> f.events.publishEvent(req));
      assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.violatedFields()).containsExactly(field);
    });
    var nan = failing(() -> f.events.publishEvent(PublishEventRequest.newBuilder().setType("signal.buy")
        .setData(com.google.protobuf.Struct.newBuilder().putFields("score",
            com.google.protobuf.Value.newBuilder().setNumberValue(Double.NaN).build())).build()));
    assertThat(nan.violatedFields()).containsExactly("data");
    assertThat(TestDatabase.count("SELECT count(*) FROM events")).isZero();
  }

  static int closedPort() throws Exception {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static String hexHmac(byte[] key, byte[] data) throws Exception {
    return java.util.HexFormat.of().formatHex(hmac(key, data));
  }

  static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
