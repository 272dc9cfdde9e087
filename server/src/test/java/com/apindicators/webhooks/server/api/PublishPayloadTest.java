package com.apindicators.webhooks.server.api;

import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.v1.*;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** data_json arrives byte for byte; idempotency compares content canonically and is scoped to the account. */
class PublishPayloadTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Receiver receiver = ext.receiver();
  private final Fixtures f = ext.fixtures();

  private PublishEventRequest.Builder json(String account, String dataJson) {
    return PublishEventRequest.newBuilder().setType("signal.buy").setAccountId(account).setDataJson(dataJson);
  }

  @Test
  void dataJsonArrivesCompactWithItsKeyOrderAndNumberSpelling() throws Exception {
    f.webhook("p", receiver.url("/p"), "signal.buy");
    String given = "{ \"z\" : 12345678901234567890,\n \"a\": [1.50, -0, 1e2, \"\\u00e9\\n\"], \"m\": {\"y\": null, \"b\": true},"
        + " \"pair\": \"BTCUSDT\", \"score\": 0.870 }";
    PublishEventResponse r = f.events.publishEvent(json("p", given).build());
    assertThat(r.getDeliveriesCreated()).isEqualTo(1);
    String exact = "{\"z\":12345678901234567890,\"a\":[1.50,-0,1e2,\"\u00e9\\n\"],\"m\":{\"y\":null,\"b\":true},"
        + "\"pair\":\"BTCUSDT\",\"score\":0.870}";
    assertThat(r.getEvent().getDataJson()).isEqualTo(exact);
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/p").size() == 1);
    assertThat(receiver.requests("/p").get(0).bodyText()).endsWith(",\"data\":" + exact + "}");
  }

  @Test
  void dataJsonThatIsNotAnAcceptableObjectIsRefusedWithTheReason() {
    Map<String, String> bad = Map.of(
        "[1,2]", "must be a JSON object",
        "{\"a\":1", "is not valid JSON",
        "{\"a\":1} {}", "more after the object",
        "{\"a\":NaN}", "is not valid JSON",
        "{\"a\":1e999}", "beyond the range of a double",
        "{\"a\":1,\"a\":2}", "twice",
        "{\"a\":\"\\ud800\"}", "lone UTF-16 surrogate",
        "{'a':1}", "is not valid JSON",
        "{\"a\":" + "[".repeat(200_000) + "]".repeat(200_000) + "}", "more than 32 deep",
        "{\"a\":\"" + "x".repeat(66_000) + "\"}", "at most 65536");
    bad.forEach((text, why) -> {
      StatusAssert e = failing(() -> f.events.publishEvent(json("p", text).build()));
      assertThat(e.code()).as(text).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.violatedFields()).as(text).containsExactly("data_json");
      assertThat(e.message() + e.detail(com.google.rpc.BadRequest.class)).as(text).contains(why)
          .doesNotContain("JsonReader").doesNotContain("Exception").doesNotContain("https://");
    });
  }

  @Test
  void aNumberOfManyDigitsIsRefusedBeforeItIsComparedByValue() {
    // 1.000...0 is a finite double, but comparing it by value costs time growing with the square of its length.
    String text = "{\"a\":1." + "0".repeat(900) + "}";
    StatusAssert e = failing(() -> f.events.publishEvent(json("p", text).setIdempotencyKey("long").build()));
    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.violatedFields()).containsExactly("data_json");
    assertThat(e.message()).contains("at most 100 are allowed");
  }

  @Test
  void theSameDictInAnotherKeyOrderOrNumberSpellingWithTheSameKeyReturnsTheFirstEvent() {
    f.webhook("i", receiver.url("/i"), "signal.buy");
    PublishEventResponse first = f.events.publishEvent(json("i", "{\"pair\":\"BTC\",\"n\":{\"x\":1,\"y\":[2,3]}}")
        .setIdempotencyKey("k").build());
    // As Python's Struct would send it: another map order, numbers as doubles.
    Struct reordered = Struct.newBuilder()
        .putFields("n", Value.newBuilder().setStructValue(Struct.newBuilder()
            .putFields("y", Value.newBuilder().setListValue(ListValue.newBuilder()
                .addValues(Value.newBuilder().setNumberValue(2.0)).addValues(Value.newBuilder().setNumberValue(3.0))).build())
            .putFields("x", Value.newBuilder().setNumberValue(1.0).build())).build())
        .putFields("pair", Value.newBuilder().setStringValue("BTC").build()).build();
    PublishEventResponse again = f.events.publishEvent(PublishEventRequest.newBuilder().setType("signal.buy")
        .setAccountId("i").setData(reordered).setIdempotencyKey("k").build());
    assertThat(again.getEvent().getEventId()).isEqualTo(first.getEvent().getEventId());
    PublishEventResponse spelled = f.events.publishEvent(json("i", "{\"n\":{\"y\":[2.0,3e0],\"x\":1.00},\"pair\":\"BTC\"}")
        .setIdempotencyKey("k").build());
    assertThat(spelled.getEvent().getEventId()).isEqualTo(first.getEvent().getEventId());
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries")).isEqualTo(1);

    StatusAssert other = failing(() -> f.events.publishEvent(json("i", "{\"pair\":\"BTC\",\"n\":{\"x\":1,\"y\":[3,2]}}")
        .setIdempotencyKey("k").build()));
    assertThat(other.code()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(other.reason()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
  }

  @Test
  void aRetryOfAnEventStoredBeforeCanonicalHashingIsStillTheSameEvent() throws Exception {
    f.webhook("old", receiver.url("/old"), "signal.buy");
    String data = "{\"side\":\"buy\",\"pair\":\"BTC\"}";
    PublishEventResponse first = f.events.publishEvent(json("old", data).setIdempotencyKey("pre-v7").build());
    // As the server before V7 stored it: the hash of the data as sent, not of its canonical form.
    String legacy = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(("signal.buy\nold\n\n" + data).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    server.db.jdbi().useHandle(h -> h.execute("UPDATE events SET request_hash = ? WHERE event_id = ?", legacy,
        first.getEvent().getEventId()));
    assertThat(f.events.publishEvent(json("old", data).setIdempotencyKey("pre-v7").build()).getEvent().getEventId())
        .isEqualTo(first.getEvent().getEventId());
    assertThat(failing(() -> f.events.publishEvent(json("old", "{\"side\":\"sell\"}").setIdempotencyKey("pre-v7").build()))
        .reason()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
  }

  @Test
  void twoAccountsUsingOneKeyEachGetTheirOwnEventAndLearnNothingOfTheOther() {
    f.webhook("one", receiver.url("/1"), "signal.buy");
    f.webhook("two", receiver.url("/2"), "signal.buy");
    Fixtures one = new Fixtures(server.channelForAccount("one"));
    Fixtures two = new Fixtures(server.channelForAccount("two"));
    PublishEventResponse a = one.events.publishEvent(json("one", "{\"v\":1}").setIdempotencyKey("shared").build());
    // Different content under the same key in another account: its own event, no conflict, no foreign id.
    PublishEventResponse b = two.events.publishEvent(json("two", "{\"v\":2}").setIdempotencyKey("shared").build());
    assertThat(b.getEvent().getEventId()).isNotEqualTo(a.getEvent().getEventId());
    assertThat(b.getEvent().getAccountId()).isEqualTo("two");
    assertThat(b.getDeliveriesCreated()).isEqualTo(1);
    // A broadcast with the key is a scope of its own too.
    PublishEventResponse c = f.events.publishEvent(json("", "{\"v\":3}").setIdempotencyKey("shared").build());
    assertThat(c.getEvent().getEventId()).isNotIn(a.getEvent().getEventId(), b.getEvent().getEventId());
    // Each repeat answers within its own scope.
    assertThat(two.events.publishEvent(json("two", "{\"v\":2}").setIdempotencyKey("shared").build()).getEvent().getEventId())
        .isEqualTo(b.getEvent().getEventId());
    StatusAssert conflict = failing(() -> two.events.publishEvent(json("two", "{\"v\":1}").setIdempotencyKey("shared").build()));
    assertThat(conflict.reason()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
    assertThat(conflict.message()).contains(b.getEvent().getEventId()).doesNotContain(a.getEvent().getEventId());
    assertThat(TestDatabase.count("SELECT count(*) FROM events")).isEqualTo(3);
  }

  @Test
  void aPairHoldingNulIsStoredAndDeliveredMatchingNoFilter() {
    receiver.on("/any", n -> Receiver.Answer.ok());
    receiver.on("/btc", n -> Receiver.Answer.ok());
    f.webhook("nul", receiver.url("/any"), "signal.buy");
    f.webhook(CreateWebhookRequest.newBuilder().setAccountId("nul").setName("btc").setUrl(receiver.url("/btc"))
        .addEvents("signal.buy").setFilter(WebhookFilter.newBuilder().addPairs("BTCUSDT")));
    // PostgreSQL text cannot hold NUL: sent to the database as the pair filters match, it failed the call (22021).
    PublishEventResponse r = f.events.publishEvent(PublishEventRequest.newBuilder().setType("signal.buy")
        .setAccountId("nul").setDataJson("{\"pair\":\"BTC\\u0000USDT\",\"interval\":\"\\u0000\"}").build());
    assertThat(r.getDeliveriesCreated()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/any").size() == 1);
    assertThat(receiver.requests("/any").get(0).bodyText()).contains("\"pair\":\"BTC\\u0000USDT\"");
    assertThat(receiver.requests("/btc")).isEmpty();
  }
}
