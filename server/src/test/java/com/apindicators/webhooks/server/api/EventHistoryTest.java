package com.apindicators.webhooks.server.api;

import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.v1.*;
import com.google.protobuf.FieldMask;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ListEvents pages an account's events; ResendEvent makes new deliveries of a stored one. */
class EventHistoryTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Receiver receiver = ext.receiver();
  private final Fixtures f = ext.fixtures();

  @Test
  void listEventsPagesAnAccountsEventsNewestFirstAndAnAccountKeyDefaultsToItsOwn() {
    f.webhook("acc", receiver.url("/a"), "signal.buy", "order.filled");
    f.webhook("else", receiver.url("/e"), "signal.buy");
    List<String> published = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      published.add(0, f.publish(i % 2 == 0 ? "signal.buy" : "order.filled", "{\"i\":" + i + "}", "acc").getEvent().getEventId());
    }
    f.publish("signal.buy", "{}", "else");
    Fixtures mine = new Fixtures(server.channelForAccount("acc"));
    List<String> seen = new ArrayList<>();
    String token = "";
    do {
      ListEventsResponse page = mine.events.listEvents(ListEventsRequest.newBuilder().setPageSize(2).setPageToken(token).build());
      assertThat(page.getEventsCount()).isLessThanOrEqualTo(2);
      page.getEventsList().forEach(e -> {
        assertThat(e.getAccountId()).isEqualTo("acc");
        seen.add(e.getEventId());
      });
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    assertThat(seen).isEqualTo(published);
    ListEventsResponse orders = f.events.listEvents(ListEventsRequest.newBuilder().setAccountId("acc")
        .addEventTypes("order.filled").build());
    assertThat(orders.getEventsList()).extracting(Event::getType).containsOnly("order.filled").hasSize(2);
    assertThat(orders.getEvents(0).getDataJson()).isEqualTo("{\"i\":3}");

    assertThat(failing(() -> f.events.listEvents(ListEventsRequest.getDefaultInstance())).violatedFields())
        .as("an admin key names the account").containsExactly("account_id");
    assertThat(failing(() -> f.events.listEvents(ListEventsRequest.newBuilder().addEventTypes("nope").build()))
        .violatedFields()).contains("event_types[0]");
    String foreignToken = f.events.listEvents(ListEventsRequest.newBuilder().setAccountId("else").setPageSize(1).build())
        .getNextPageToken();
    f.publish("signal.buy", "{}", "else");
    String elseToken = f.events.listEvents(ListEventsRequest.newBuilder().setAccountId("else").setPageSize(1).build())
        .getNextPageToken();
    assertThat(failing(() -> mine.events.listEvents(ListEventsRequest.newBuilder().setPageToken(elseToken).build()))
        .violatedFields()).as("a token of another account's list").containsExactly("page_token");
    assertThat(foreignToken).isEmpty();
  }

  @Test
  void aPageOfLargeEventsEndsAtItsDataBudgetAndTheNextPageCarriesOn() {
    String big = "{\"x\":\"" + "y".repeat(60_000) + "\"}";
    for (int i = 0; i < 20; i++) {
      // Kept without webhooks because they carry an idempotency key.
      f.events.publishEvent(PublishEventRequest.newBuilder().setType("order.filled").setAccountId("big")
          .setDataJson(big).setIdempotencyKey("k" + i).build());
    }
    ListEventsResponse first = f.events.listEvents(ListEventsRequest.newBuilder().setAccountId("big").setPageSize(500).build());
    assertThat(first.getEventsCount()).as("60 KB events in a 1 MiB page").isBetween(1, 17);
    assertThat(first.getNextPageToken()).isNotEmpty();
    int total = first.getEventsCount();
    String token = first.getNextPageToken();
    while (!token.isEmpty()) {
      ListEventsResponse page = f.events.listEvents(ListEventsRequest.newBuilder().setAccountId("big").setPageSize(500)
          .setPageToken(token).build());
      total += page.getEventsCount();
      token = page.getNextPageToken();
    }
    assertThat(total).isEqualTo(20);
  }

  @Test
  void resendMakesNewPendingDeliveriesToAllOrSomeSubscribedWebhooks() {
    String a = f.webhook("r", receiver.url("/a"), "signal.buy").getWebhook().getWebhookId();
    String b = f.webhook("r", receiver.url("/b"), "signal.buy").getWebhook().getWebhookId();
    String orders = f.webhook("r", receiver.url("/o"), "order.filled").getWebhook().getWebhookId();
    String data = "{\"pair\":\"BTCUSDT\",\"big\":12345678901234567890}";
    PublishEventResponse p = f.events.publishEvent(PublishEventRequest.newBuilder().setType("signal.buy")
        .setAccountId("r").setDataJson(data).build());
    assertThat(p.getDeliveriesCreated()).isEqualTo(2);
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests().size() == 2);

    ResendEventResponse all = f.events.resendEvent(ResendEventRequest.newBuilder().setEventId(p.getEvent().getEventId()).build());
    assertThat(all.getDeliveriesList()).extracting(Delivery::getWebhookId).containsExactlyInAnyOrder(a, b);
    assertThat(all.getDeliveriesList()).allSatisfy(d -> assertThat(d.getEventId()).isEqualTo(p.getEvent().getEventId()));
    ResendEventResponse one = f.events.resendEvent(ResendEventRequest.newBuilder().setEventId(p.getEvent().getEventId())
        .addWebhookIds(b).build());
    assertThat(one.getDeliveriesList()).extracting(Delivery::getWebhookId).containsExactly(b);
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests().size() == 5);
    assertThat(receiver.requests("/b")).hasSize(3).allSatisfy(r -> assertThat(r.bodyText()).contains("\"data\":" + data + "}"));
    assertThat(receiver.requests("/o")).isEmpty();

    StatusAssert unsubscribed = failing(() -> f.events.resendEvent(ResendEventRequest.newBuilder()
        .setEventId(p.getEvent().getEventId()).addWebhookIds(orders).build()));
    assertThat(unsubscribed.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(unsubscribed.reason()).isEqualTo("WEBHOOK_NOT_SUBSCRIBED");
    f.webhooks.updateWebhook(UpdateWebhookRequest.newBuilder().setWebhook(Webhook.newBuilder().setWebhookId(a).setEnabled(false))
        .setUpdateMask(FieldMask.newBuilder().addPaths("enabled")).build());
    assertThat(failing(() -> f.events.resendEvent(ResendEventRequest.newBuilder().setEventId(p.getEvent().getEventId())
        .addWebhookIds(a).build())).message()).contains("disabled");
    assertThat(f.events.resendEvent(ResendEventRequest.newBuilder().setEventId(p.getEvent().getEventId()).build())
        .getDeliveriesList()).extracting(Delivery::getWebhookId).as("disabled webhooks are left out").containsExactly(b);

    String foreign = f.webhook("other", receiver.url("/x"), "signal.buy").getWebhook().getWebhookId();
    assertThat(failing(() -> f.events.resendEvent(ResendEventRequest.newBuilder().setEventId(p.getEvent().getEventId())
        .addWebhookIds(foreign).build())).code()).as("a webhook of another account").isEqualTo(Status.Code.NOT_FOUND);
    assertThat(failing(() -> f.events.resendEvent(ResendEventRequest.newBuilder().setEventId("evt_missing").build())).code())
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(failing(() -> f.events.resendEvent(ResendEventRequest.newBuilder().setEventId("nope")
        .addWebhookIds("x").build())).violatedFields()).containsExactly("event_id", "webhook_ids[0]");
  }
}
