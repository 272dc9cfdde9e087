package com.apindicators.webhooks.server.api;

import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.EventServiceGrpc;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.apindicators.webhooks.v1.PublishEventResponse;
import com.apindicators.webhooks.v1.ResendEventRequest;
import com.apindicators.webhooks.v1.WebhookFilter;
import io.grpc.Status;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** PublishEvent with webhook_ids: a test event to one webhook, never to another account's. */
class PublishToWebhooksTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Receiver receiver = ext.receiver();
  private final Fixtures f = ext.fixtures();

  @Test
  void onlyTheNamedWebhookGetsItWhateverItsFilter() {
    receiver.on("/one", n -> Answer.status(200, "ok"));
    receiver.on("/two", n -> Answer.status(200, "ok"));
    String one = f.webhook(CreateWebhookRequest.newBuilder().setAccountId("acme").setName("one")
        .setUrl(receiver.url("/one")).addEvents("signal.buy")
        .setFilter(WebhookFilter.newBuilder().addPairs("ETHUSDT"))).getWebhook().getWebhookId();
    f.webhook("acme", receiver.url("/two"), "signal.buy");
    PublishEventRequest test = PublishEventRequest.newBuilder().setType("signal.buy").setAccountId("acme")
        .setDataJson("{\"pair\":\"BTCUSDT\"}").addWebhookIds(one).setIdempotencyKey("test-1").build();
    PublishEventResponse r = f.events.publishEvent(test);
    assertThat(r.getDeliveriesCreated()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/one").size() == 1);
    assertThat(receiver.requests("/two")).isEmpty();

    // The same key with the same webhooks is the same event; with other webhooks it is not.
    assertThat(f.events.publishEvent(test).getEvent()).isEqualTo(r.getEvent());
    assertThat(failing(() -> f.events.publishEvent(test.toBuilder().clearWebhookIds().build())).reason())
        .isEqualTo("IDEMPOTENCY_KEY_REUSED");
  }

  @Test
  void anotherAccountsWebhookUnsubscribedOnesAndNoAccountAreRefusedAndStoreNothing() {
    String foreign = f.webhook("victim", receiver.url("/v"), "signal.buy").getWebhook().getWebhookId();
    String orders = f.webhook("attacker", receiver.url("/a"), "order.filled").getWebhook().getWebhookId();
    EventServiceGrpc.EventServiceBlockingStub attacker = EventServiceGrpc.newBlockingStub(server.channelForAccount("attacker"));
    PublishEventRequest toForeign = PublishEventRequest.newBuilder().setType("signal.buy").setAccountId("attacker")
        .setDataJson("{}").addWebhookIds(foreign).build();
    var notFound = failing(() -> attacker.publishEvent(toForeign));
    assertThat(notFound.code()).isEqualTo(Status.Code.NOT_FOUND);
    // The same answer as for a webhook that never existed: nothing is learnt about the other account.
    var never = failing(() -> attacker.publishEvent(toForeign.toBuilder().setWebhookIds(0, "wh_doesnotexist").build()));
    assertThat(never.code()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(notFound.message().replace(foreign, "X")).isEqualTo(never.message().replace("wh_doesnotexist", "X"));

    var unsubscribed = failing(() -> attacker.publishEvent(toForeign.toBuilder().setWebhookIds(0, orders).build()));
    assertThat(unsubscribed.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(unsubscribed.reason()).isEqualTo("WEBHOOK_NOT_SUBSCRIBED");
    var noAccount = failing(() -> f.events.publishEvent(PublishEventRequest.newBuilder().setType("signal.buy")
        .addWebhookIds(foreign).build()));
    assertThat(noAccount.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(noAccount.message()).contains("webhook_ids").contains("account_id");
    assertThat(TestDatabase.count("SELECT count(*) FROM events")).isZero();
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries")).isZero();
  }

  @Test
  void aMixOfOwnForeignMissingAndUnsubscribedWebhooksIsRefusedNamingTheFirstBadOne() {
    String mine = f.webhook("attacker", receiver.url("/a"), "signal.buy").getWebhook().getWebhookId();
    String orders = f.webhook("attacker", receiver.url("/o"), "order.filled").getWebhook().getWebhookId();
    String foreign = f.webhook("victim", receiver.url("/v"), "signal.buy").getWebhook().getWebhookId();
    EventServiceGrpc.EventServiceBlockingStub attacker = EventServiceGrpc.newBlockingStub(server.channelForAccount("attacker"));
    PublishEventRequest base = PublishEventRequest.newBuilder().setType("signal.buy").setAccountId("attacker")
        .setDataJson("{}").build();

    var foreignFirst = failing(() -> attacker.publishEvent(base.toBuilder()
        .addWebhookIds(mine).addWebhookIds(foreign).addWebhookIds("wh_doesnotexist").addWebhookIds(orders).build()));
    assertThat(foreignFirst.code()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(foreignFirst.reason()).isEqualTo("WEBHOOK_NOT_FOUND");
    assertThat(foreignFirst.message()).contains(foreign).doesNotContain("wh_doesnotexist");
    var missingFirst = failing(() -> attacker.publishEvent(base.toBuilder()
        .addWebhookIds(mine).addWebhookIds("wh_doesnotexist").addWebhookIds(foreign).build()));
    assertThat(missingFirst.code()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(missingFirst.message()).contains("wh_doesnotexist").doesNotContain(foreign);
    assertThat(foreignFirst.message().replace(foreign, "X")).isEqualTo(missingFirst.message().replace("wh_doesnotexist", "X"));
    var unsubscribedFirst = failing(() -> attacker.publishEvent(base.toBuilder()
        .addWebhookIds(orders).addWebhookIds(foreign).build()));
    assertThat(unsubscribedFirst.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(unsubscribedFirst.reason()).isEqualTo("WEBHOOK_NOT_SUBSCRIBED");
    assertThat(unsubscribedFirst.message()).contains(orders);
    assertThat(TestDatabase.count("SELECT count(*) FROM events")).isZero();

    // The full allowance of named webhooks, all one's own, is one event with a delivery to each.
    PublishEventRequest.Builder many = base.toBuilder().addWebhookIds(mine);
    for (int i = 1; i < Fields.MAX_REPEATED; i++) {
      many.addWebhookIds(f.webhook("attacker", receiver.url("/m"), "signal.buy").getWebhook().getWebhookId());
    }
    assertThat(attacker.publishEvent(many.build()).getDeliveriesCreated()).isEqualTo(Fields.MAX_REPEATED);
  }

  @Test
  void aWebhookBeingDeletedIsRefusedByNameAndSkippedOtherwise() {
    String doomed = f.webhook("acme", receiver.url("/d"), "signal.buy").getWebhook().getWebhookId();
    String kept = f.webhook("acme", receiver.url("/k"), "signal.buy").getWebhook().getWebhookId();
    PublishEventRequest first = PublishEventRequest.newBuilder().setType("signal.buy").setAccountId("acme")
        .setDataJson("{}").build();
    String eventId = f.events.publishEvent(first).getEvent().getEventId();
    // As a DeleteWebhook step in progress marks it.
    server.db.jdbi().useHandle(h -> h.execute(
        "UPDATE webhooks SET deleting_until = now() + interval '1 minute' WHERE webhook_id = ?", doomed));

    var named = failing(() -> f.events.publishEvent(first.toBuilder().addWebhookIds(doomed).build()));
    assertThat(named.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(named.reason()).isEqualTo("WEBHOOK_BEING_DELETED");
    assertThat(named.message()).contains(doomed).contains("DeleteWebhook");
    var resent = failing(() -> f.events.resendEvent(ResendEventRequest.newBuilder().setEventId(eventId)
        .addWebhookIds(kept).addWebhookIds(doomed).build()));
    assertThat(resent.reason()).isEqualTo("WEBHOOK_BEING_DELETED");
    assertThat(f.events.publishEvent(first).getDeliveriesCreated()).as("the account's other webhook").isEqualTo(1);
    assertThat(f.events.resendEvent(ResendEventRequest.newBuilder().setEventId(eventId).build())
        .getDeliveriesCount()).isEqualTo(1);
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE webhook_id = '" + doomed + "'"))
        .isEqualTo(1);
  }
}
