package com.apindicators.webhooks.server.security;

import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.WatchClient;
import com.apindicators.webhooks.v1.*;
import com.google.protobuf.FieldMask;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AuthorizationTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Receiver receiver = ext.receiver();
  private final Fixtures admin = ext.fixtures();

  @Test
  void callsWithoutAValidKeyAreUnauthenticatedButHealthIsOpen() {
    Fixtures none = new Fixtures(server.raw);
    StatusAssert missing = failing(() -> none.accounts.getAccount(GetAccountRequest.newBuilder().setAccountId("a").build()));
    assertThat(missing.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(missing.reason()).isEqualTo("MISSING_API_KEY");
    assertThat(missing.message()).contains("authorization: Bearer");
    Fixtures wrong = new Fixtures(GrpcTestServer.withKey(server.raw, "whk_" + "x".repeat(22) + "_" + "y".repeat(43)));
    StatusAssert invalid = failing(() -> wrong.webhooks.listEventTypes(ListEventTypesRequest.getDefaultInstance()));
    assertThat(invalid.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(invalid.reason()).isEqualTo("INVALID_API_KEY");
    assertThat(HealthGrpc.newBlockingStub(server.raw).check(HealthCheckRequest.getDefaultInstance()).getStatus().name())
        .isEqualTo("SERVING");
  }

  @Test
  void keysAreStoredHashedListedAndRevokedAtOnce() {
    ApiKeyServiceGrpc.ApiKeyServiceBlockingStub keys = ApiKeyServiceGrpc.newBlockingStub(server.channel);
    CreateApiKeyResponse created = keys.createApiKey(CreateApiKeyRequest.newBuilder().setAccountId("acme").setName("acme prod").build());
    assertThat(created.getApiKey()).startsWith(created.getKeyId() + "_");
    String secretPart = created.getApiKey().substring(created.getKeyId().length() + 1);
    int plaintext = server.db.jdbi().withHandle(h -> h.createQuery(
        "SELECT count(*) FROM api_keys WHERE encode(secret_hash, 'escape') LIKE :s OR name LIKE :s OR key_id LIKE :s")
        .bind("s", "%" + secretPart + "%").mapTo(Integer.class).one());
    assertThat(plaintext).isZero();
    assertThat(keys.listApiKeys(ListApiKeysRequest.getDefaultInstance()).getApiKeysList())
        .anySatisfy(k -> {
          assertThat(k.getKeyId()).isEqualTo(created.getKeyId());
          assertThat(k.getAccountId()).isEqualTo("acme");
          assertThat(k.getName()).isEqualTo("acme prod");
        });
    Fixtures acme = new Fixtures(GrpcTestServer.withKey(server.raw, created.getApiKey()));
    acme.accounts.getAccount(GetAccountRequest.newBuilder().setAccountId("acme").build());
    keys.revokeApiKey(RevokeApiKeyRequest.newBuilder().setKeyId(created.getKeyId()).build());
    assertThat(failing(() -> acme.accounts.getAccount(GetAccountRequest.newBuilder().setAccountId("acme").build())).code())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(failing(() -> keys.revokeApiKey(RevokeApiKeyRequest.newBuilder().setKeyId(created.getKeyId()).build())).code())
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void anAccountKeyWorksOnItsOwnAccount() throws Exception {
    admin.plan("mine", Plan.PLAN_STARTER);
    Fixtures mine = new Fixtures(server.channelForAccount("mine"));
    String wh = mine.webhooks.createWebhook(CreateWebhookRequest.newBuilder().setAccountId("mine").setName("n")
        .setUrl(receiver.url("/m")).addEvents("order.filled").build()).getWebhook().getWebhookId();
    assertThat(mine.publish("order.filled", "{}", "mine").getDeliveriesCreated()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> mine.deliveriesOf(wh).size() == 1);
    mine.delivery(mine.deliveriesOf(wh).get(0).getDeliveryId());
    assertThat(mine.accounts.getAccount(GetAccountRequest.newBuilder().setAccountId("mine").build()).getAccount().getWebhookCount())
        .isEqualTo(1);
  }

  @Test
  void anAccountKeyNeverSeesOrChangesAnotherAccount() throws Exception {
    CreateWebhookResponse theirs = admin.webhook("theirs", receiver.url("/t"), "order.filled");
    String theirWebhook = theirs.getWebhook().getWebhookId();
    String theirEvent = admin.publish("order.filled", "{}", "theirs").getEvent().getEventId();
    await().atMost(Duration.ofSeconds(10)).until(() -> admin.deliveriesOf(theirWebhook).size() == 1);
    String theirDelivery = admin.deliveriesOf(theirWebhook).get(0).getDeliveryId();
    String broadcast = admin.publish("order.filled", "{}", "").getEvent().getEventId();
    Channel mineChannel = server.channelForAccount("mine");
    Fixtures mine = new Fixtures(mineChannel);
    ApiKeyServiceGrpc.ApiKeyServiceBlockingStub keys = ApiKeyServiceGrpc.newBlockingStub(mineChannel);

    Map<String, ThrowingCallable> notFound = new LinkedHashMap<>();
    notFound.put("GetWebhook", () -> mine.webhooks.getWebhook(GetWebhookRequest.newBuilder().setWebhookId(theirWebhook).build()));
    notFound.put("UpdateWebhook", () -> mine.webhooks.updateWebhook(UpdateWebhookRequest.newBuilder()
        .setWebhook(Webhook.newBuilder().setWebhookId(theirWebhook).setName("pwned"))
        .setUpdateMask(FieldMask.newBuilder().addPaths("name")).build()));
    notFound.put("DeleteWebhook", () -> mine.webhooks.deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(theirWebhook).build()));
    notFound.put("RotateSigningSecret", () -> mine.webhooks.rotateSigningSecret(
        RotateSigningSecretRequest.newBuilder().setWebhookId(theirWebhook).build()));
    notFound.put("ListDeliveries", () -> mine.deliveries.listDeliveries(ListDeliveriesRequest.newBuilder().setWebhookId(theirWebhook).build()));
    notFound.put("GetDelivery", () -> mine.deliveries.getDelivery(GetDeliveryRequest.newBuilder().setDeliveryId(theirDelivery).build()));
    notFound.put("RedeliverDelivery", () -> mine.deliveries.redeliverDelivery(
        RedeliverDeliveryRequest.newBuilder().setDeliveryId(theirDelivery).build()));
    notFound.put("ListDeliveryAttempts", () -> mine.deliveries.listDeliveryAttempts(
        ListDeliveryAttemptsRequest.newBuilder().setDeliveryId(theirDelivery).build()));
    notFound.put("ResendEvent", () -> mine.events.resendEvent(ResendEventRequest.newBuilder().setEventId(theirEvent).build()));
    notFound.put("ResendEvent(broadcast)", () -> mine.events.resendEvent(ResendEventRequest.newBuilder().setEventId(broadcast).build()));
    notFound.forEach((rpc, call) -> {
      StatusAssert e = failing(call);
      assertThat(e.code()).as(rpc).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(e.message()).as(rpc).doesNotContain("theirs");
    });

    Map<String, ThrowingCallable> denied = new LinkedHashMap<>();
    denied.put("GetAccount", () -> mine.accounts.getAccount(GetAccountRequest.newBuilder().setAccountId("theirs").build()));
    denied.put("SetPlan", () -> mine.accounts.setPlan(SetPlanRequest.newBuilder().setAccountId("mine").setPlan(Plan.PLAN_BUSINESS).build()));
    denied.put("CreateWebhook", () -> mine.webhooks.createWebhook(CreateWebhookRequest.newBuilder().setAccountId("theirs")
        .setName("x").setUrl("https://e.example/x").addEvents("signal.buy").build()));
    denied.put("ListWebhooks", () -> mine.webhooks.listWebhooks(ListWebhooksRequest.newBuilder().setAccountId("theirs").build()));
    denied.put("PublishEvent(other)", () -> mine.publish("order.filled", "{}", "theirs"));
    denied.put("PublishEvent(broadcast)", () -> mine.publish("signal.buy", "{}", ""));
    denied.put("CreateApiKey", () -> keys.createApiKey(CreateApiKeyRequest.newBuilder().setName("x").build()));
    denied.put("ListApiKeys", () -> keys.listApiKeys(ListApiKeysRequest.getDefaultInstance()));
    denied.put("RevokeApiKey", () -> keys.revokeApiKey(RevokeApiKeyRequest.newBuilder().setKeyId("whk_x").build()));
    denied.put("ListDeliveries(account)", () -> mine.deliveries.listDeliveries(ListDeliveriesRequest.newBuilder().setAccountId("theirs").build()));
    denied.put("ListEvents", () -> mine.events.listEvents(ListEventsRequest.newBuilder().setAccountId("theirs").build()));
    denied.forEach((rpc, call) -> assertThat(failing(call).code()).as(rpc).isEqualTo(Status.Code.PERMISSION_DENIED));
    // Unnamed, the account-wide lists are the key's own account, which has nothing.
    assertThat(mine.deliveries.listDeliveries(ListDeliveriesRequest.getDefaultInstance()).getDeliveriesList()).isEmpty();
    assertThat(mine.events.listEvents(ListEventsRequest.getDefaultInstance()).getEventsList()).isEmpty();

    try (WatchClient watch = WatchClient.open(mineChannel, WatchDeliveriesRequest.newBuilder().setAccountId("theirs").build())) {
      await().until(() -> watch.error.get() != null);
      assertThat(Status.fromThrowable(watch.error.get()).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }
    // An unfiltered watch with an account key is narrowed to its own account.
    try (WatchClient watch = WatchClient.open(mineChannel, WatchDeliveriesRequest.getDefaultInstance())) {
      await().until(() -> server.server.watchers() == 1);
      admin.publish("order.filled", "{}", "theirs");
      await().atMost(Duration.ofSeconds(10)).until(() -> admin.deliveriesOf(theirWebhook).size() == 3
          && admin.deliveriesOf(theirWebhook).get(0).getStatus() != DeliveryStatus.DELIVERY_STATUS_PENDING);
      assertThat(watch.received).isEmpty();
    }

    Webhook after = admin.webhooks.getWebhook(GetWebhookRequest.newBuilder().setWebhookId(theirWebhook).build()).getWebhook();
    assertThat(after.getName()).isEqualTo(theirs.getWebhook().getName());
    assertThat(after.getSecretHint()).isEqualTo(theirs.getWebhook().getSecretHint());
    assertThat(admin.delivery(theirDelivery).getAttemptCount()).isEqualTo(1);
    assertThat(admin.deliveriesOf(theirWebhook)).as("no resend made a delivery").hasSize(3);
  }
}
