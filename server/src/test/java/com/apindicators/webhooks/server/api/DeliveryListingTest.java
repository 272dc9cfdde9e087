package com.apindicators.webhooks.server.api;

import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.v1.*;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ListDeliveries without a webhook lists the account's, filtered; ListDeliveryAttempts pages the attempts. */
class DeliveryListingTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Receiver receiver = ext.receiver();
  private final Fixtures f = ext.fixtures();

  private List<Delivery> all(DeliveryServiceGrpc.DeliveryServiceBlockingStub stub, ListDeliveriesRequest.Builder r) {
    List<Delivery> out = new ArrayList<>();
    String token = "";
    do {
      ListDeliveriesResponse page = stub.listDeliveries(r.setPageSize(2).setPageToken(token).build());
      out.addAll(page.getDeliveriesList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return out;
  }

  @Test
  void theAccountsDeliveriesAreListedNewestFirstAndFilteredByStatusTypeWebhookAndTime() {
    receiver.on("/bad", n -> Answer.status(500, "no"));
    String good = f.webhook("acc", receiver.url("/good"), "signal.buy", "order.filled").getWebhook().getWebhookId();
    String bad = f.webhook("acc", receiver.url("/bad"), "signal.buy").getWebhook().getWebhookId();
    f.webhook("else", receiver.url("/else"), "signal.buy");
    f.publish("signal.buy", "{}", "acc");
    f.publish("order.filled", "{}", "acc");
    f.publish("signal.buy", "{}", "else");
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests().size() == 4);
    Fixtures mine = new Fixtures(server.channelForAccount("acc"));
    await().atMost(Duration.ofSeconds(10)).until(() -> all(mine.deliveries, ListDeliveriesRequest.newBuilder())
        .stream().noneMatch(d -> d.getStatus() == DeliveryStatus.DELIVERY_STATUS_PENDING));

    List<Delivery> everything = all(mine.deliveries, ListDeliveriesRequest.newBuilder());
    assertThat(everything).hasSize(3).allSatisfy(d -> assertThat(d.getAccountId()).isEqualTo("acc"));
    assertThat(everything).extracting(d -> Timestamps.toMillis(d.getCreateTime())).isSortedAccordingTo((x, y) -> Long.compare(y, x));
    assertThat(all(f.deliveries, ListDeliveriesRequest.newBuilder().setAccountId("acc"))).isEqualTo(everything);

    assertThat(all(mine.deliveries, ListDeliveriesRequest.newBuilder().addStatuses(DeliveryStatus.DELIVERY_STATUS_FAILED)))
        .extracting(Delivery::getWebhookId).containsExactly(bad);
    assertThat(all(mine.deliveries, ListDeliveriesRequest.newBuilder().addEventTypes("order.filled")))
        .extracting(Delivery::getEventType).containsExactly("order.filled");
    assertThat(all(mine.deliveries, ListDeliveriesRequest.newBuilder().addWebhookIds(good))).hasSize(2);
    long newest = Timestamps.toMillis(everything.get(0).getCreateTime());
    assertThat(all(mine.deliveries, ListDeliveriesRequest.newBuilder()
        .setCreateTimeStart(Timestamps.fromMillis(newest + 1)))).isEmpty();
    assertThat(all(mine.deliveries, ListDeliveriesRequest.newBuilder()
        .setCreateTimeEnd(Timestamps.fromMillis(newest + 1)))).hasSize(3);
    assertThat(all(mine.deliveries, ListDeliveriesRequest.newBuilder().setWebhookId(good)
        .addEventTypes("signal.buy"))).hasSize(1);

    assertThat(failing(() -> mine.deliveries.listDeliveries(ListDeliveriesRequest.newBuilder().setAccountId("else").build()))
        .code()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(failing(() -> f.deliveries.listDeliveries(ListDeliveriesRequest.getDefaultInstance())).violatedFields())
        .as("an admin key names the account").containsExactly("account_id");
    assertThat(failing(() -> f.deliveries.listDeliveries(ListDeliveriesRequest.newBuilder().setAccountId("acc")
        .addEventTypes("x").addWebhookIds("dlv_1").setCreateTimeStart(com.google.protobuf.Timestamp.newBuilder().setSeconds(-1L << 40))
        .build())).violatedFields()).containsExactly("event_types[0]", "webhook_ids[0]", "create_time_start");
    String webhookToken = f.deliveries.listDeliveries(ListDeliveriesRequest.newBuilder().setWebhookId(good).setPageSize(1).build())
        .getNextPageToken();
    assertThat(failing(() -> f.deliveries.listDeliveries(ListDeliveriesRequest.newBuilder().setAccountId("acc")
        .setPageToken(webhookToken).build())).violatedFields()).as("a webhook list's token").containsExactly("page_token");
  }

  @Test
  void everyAttemptIsListedWithItsCodeBodyErrorAndDuration() {
    receiver.on("/flaky", n -> n < 3 ? Answer.status(503, "busy " + n) : Answer.status(200, "fine"));
    String wh = f.webhook(CreateWebhookRequest.newBuilder().setAccountId("t").setName("n").setUrl(receiver.url("/flaky"))
        .addEvents("signal.buy").setRetryPolicy(RetryPolicy.newBuilder().setMaxAttempts(3)
            .setInitialBackoff(Durations.fromMillis(100)).setMaxBackoff(Durations.fromMillis(100)))).getWebhook().getWebhookId();
    f.publish("signal.buy", "{}", "t");
    await().atMost(Duration.ofSeconds(10)).until(() -> !f.deliveriesOf(wh).isEmpty()
        && f.deliveriesOf(wh).get(0).getStatus() == DeliveryStatus.DELIVERY_STATUS_DELIVERED);
    String id = f.deliveriesOf(wh).get(0).getDeliveryId();
    Fixtures mine = new Fixtures(server.channelForAccount("t"));

    ListDeliveryAttemptsResponse first = mine.deliveries.listDeliveryAttempts(ListDeliveryAttemptsRequest.newBuilder()
        .setDeliveryId(id).setPageSize(2).build());
    assertThat(first.getAttemptsList()).extracting(DeliveryAttempt::getAttempt).containsExactly(1, 2);
    assertThat(first.getAttempts(0).getResponseCode()).isEqualTo(503);
    assertThat(first.getAttempts(0).getResponseBody()).isEqualTo("busy 1");
    assertThat(first.getAttempts(0).getError()).isNotEmpty();
    assertThat(first.getAttempts(0).hasStartTime()).isTrue();
    assertThat(first.getAttempts(0).hasDuration()).isTrue();
    ListDeliveryAttemptsResponse rest = mine.deliveries.listDeliveryAttempts(ListDeliveryAttemptsRequest.newBuilder()
        .setDeliveryId(id).setPageSize(2).setPageToken(first.getNextPageToken()).build());
    assertThat(rest.getAttemptsList()).extracting(DeliveryAttempt::getAttempt).containsExactly(3);
    assertThat(rest.getAttempts(0).getResponseCode()).isEqualTo(200);
    assertThat(rest.getAttempts(0).getError()).isEmpty();
    assertThat(rest.getNextPageToken()).isEmpty();

    Fixtures other = new Fixtures(server.channelForAccount("other"));
    assertThat(failing(() -> other.deliveries.listDeliveryAttempts(ListDeliveryAttemptsRequest.newBuilder()
        .setDeliveryId(id).build())).code()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(failing(() -> mine.deliveries.listDeliveryAttempts(ListDeliveryAttemptsRequest.newBuilder()
        .setDeliveryId("dlv_other").setPageToken(first.getNextPageToken()).build())).violatedFields())
        .as("another delivery's token").containsExactly("page_token");
  }
}
