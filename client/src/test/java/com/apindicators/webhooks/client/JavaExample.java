package com.apindicators.webhooks.client;

import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.CreateWebhookResponse;
import com.apindicators.webhooks.v1.Delivery;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.Plan;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.apindicators.webhooks.v1.PublishEventResponse;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import com.apindicators.webhooks.v1.WatchDeliveriesResponse;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The generated examples' script (client/examples/*) with the Java client: plan, create a webhook, publish the docs'
 * signal twice with one idempotency key, watch the delivery and resume the watch from its token. Its answers are the
 * ones every language's example must print.
 */
final class JavaExample {
  /** The data of the docs' sample payload, as JSON text. */
  static final String DOCS_DATA = "{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"score\":0.87,\"market_type\":\"trending\",\"interval\":\"1h\"}";

  private JavaExample() {}

  /** Runs the script for an account; the answers, keyed as the examples' ANSWERS line. */
  static Map<String, Object> run(LiveServer server, String account) throws Exception {
    List<Boolean> verified = new CopyOnWriteArrayList<>();
    List<String> bodies = new CopyOnWriteArrayList<>();
    String[] secret = new String[1];
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    receiver.createContext("/", ex -> {
      byte[] body = ex.getRequestBody().readAllBytes();
      boolean ok = Signatures.verify(body, ex.getRequestHeaders().getFirst("X-Webhook-Signature"), secret[0]);
      verified.add(ok);
      bodies.add(new String(body, StandardCharsets.UTF_8));
      ex.sendResponseHeaders(ok ? 200 : 401, -1);
      ex.close();
    });
    receiver.start();
    try (WebhooksClient client = WebhooksClient.connect(server.target(), server.adminKey, null, null, null)) {
      client.setPlan(account, Plan.PLAN_STARTER);
      CreateWebhookResponse created = client.createWebhook(CreateWebhookRequest.newBuilder().setAccountId(account)
          .setName("Java example").setUrl("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook")
          .addEvents("signal.buy").build());
      secret[0] = created.getSigningSecret();
      String webhookId = created.getWebhook().getWebhookId();
      WatchDeliveriesRequest watch = WatchDeliveriesRequest.newBuilder().setAccountId(account).addWebhookIds(webhookId).build();
      List<WatchDeliveriesResponse> before = new CopyOnWriteArrayList<>();
      PublishEventResponse first;
      PublishEventResponse second;
      try (Watch w = client.watch(watch, before::add, t -> { })) {
        await().atMost(Duration.ofSeconds(10)).until(() -> server.server.watchers() == 1);
        String key = "example-" + webhookId;
        Instant at = Instant.parse("2026-04-03T14:30:00Z");
        PublishEventRequest publish = PublishEventRequest.newBuilder().setType("signal.buy").setAccountId(account)
            .setTimestamp(Timestamp.newBuilder().setSeconds(at.getEpochSecond())).setIdempotencyKey(key).build();
        first = client.publish(publish.toBuilder().setDataJson(DOCS_DATA).build());
        second = client.publish(publish.toBuilder().setData(Struct.newBuilder()
            .putFields("pair", Value.newBuilder().setStringValue("BTCUSDT").build())
            .putFields("side", Value.newBuilder().setStringValue("buy").build())
            .putFields("score", Value.newBuilder().setNumberValue(0.87).build())
            .putFields("market_type", Value.newBuilder().setStringValue("trending").build())
            .putFields("interval", Value.newBuilder().setStringValue("1h").build())).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> !before.isEmpty());
      }
      List<WatchDeliveriesResponse> firstOnly = List.of(before.get(0));
      List<WatchDeliveriesResponse> after = new CopyOnWriteArrayList<>();
      Predicate<WatchDeliveriesResponse> done = u -> u.getDelivery().getStatus() != DeliveryStatus.DELIVERY_STATUS_PENDING;
      try (Watch w = client.watch(watch.toBuilder().setResumeToken(firstOnly.get(0).getResumeToken()).build(), after::add, t -> { })) {
        await().atMost(Duration.ofSeconds(20)).until(() -> after.stream().anyMatch(done));
      }
      List<WatchDeliveriesResponse> untilDone = after.subList(0, indexOf(after, done) + 1);
      client.deleteWebhook(webhookId);
      Delivery last = untilDone.get(untilDone.size() - 1).getDelivery();
      Map<String, Object> answers = new LinkedHashMap<>();
      answers.put("same_event", first.getEvent().getEventId().equals(second.getEvent().getEventId()));
      answers.put("event_id_prefix", first.getEvent().getEventId().substring(0, 4));
      answers.put("deliveries_created", List.of(first.getDeliveriesCreated(), second.getDeliveriesCreated()));
      answers.put("data_json", second.getEvent().getDataJson());
      answers.put("before_resume", firstOnly.stream().map(u -> u.getDelivery().getStatus().name()).toList());
      answers.put("after_resume", untilDone.stream().map(u -> u.getDelivery().getStatus().name()).toList());
      answers.put("same_delivery", firstOnly.get(0).getDelivery().getDeliveryId().equals(last.getDeliveryId()));
      answers.put("response_code", last.getResponseCode());
      answers.put("verified", List.copyOf(verified));
      answers.put("body", bodies.isEmpty() ? "" : bodies.get(bodies.size() - 1));
      return answers;
    } finally {
      receiver.stop(0);
    }
  }

  private static int indexOf(List<WatchDeliveriesResponse> updates, Predicate<WatchDeliveriesResponse> p) {
    for (int i = 0; i < updates.size(); i++) {
      if (p.test(updates.get(i))) {
        return i;
      }
    }
    return -1;
  }
}
