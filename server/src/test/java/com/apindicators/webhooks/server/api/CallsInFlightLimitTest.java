package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.config.Limits;
import com.apindicators.webhooks.server.config.Scrape;
import com.apindicators.webhooks.v1.GetWebhookRequest;
import com.apindicators.webhooks.v1.UpdateWebhookRequest;
import com.apindicators.webhooks.v1.UpdateWebhookResponse;
import com.apindicators.webhooks.v1.Webhook;
import com.apindicators.webhooks.v1.WebhookServiceGrpc;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.FieldMask;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One account with its limit of unary calls in progress (held deterministically: UpdateWebhook waits for a
 * webhook_health row lock this test holds) is refused the next call at once, through any of its keys, while other
 * accounts and the admin are not; the slots come back however the calls end.
 */
class CallsInFlightLimitTest {
  private static final int LIMIT = 3;
  @RegisterExtension final ServerExtension ext =
      new ServerExtension(GrpcTestServer.LOOPBACK.withLimits(new Limits(1000, 2000, 100, LIMIT)));
  private final GrpcTestServer server = ext.server();
  private final Fixtures admin = ext.fixtures();

  private String webhook(String account) {
    return admin.webhook(account, "http://127.0.0.1:9/hook", "signal.buy").getWebhook().getWebhookId();
  }

  private static GetWebhookRequest get(String id) {
    return GetWebhookRequest.newBuilder().setWebhookId(id).build();
  }

  private static UpdateWebhookRequest rename(String id) {
    return UpdateWebhookRequest.newBuilder().setWebhook(Webhook.newBuilder().setWebhookId(id).setName("renamed"))
        .setUpdateMask(FieldMask.newBuilder().addPaths("name")).build();
  }

  /** A transaction holding the webhook's health row, which every UpdateWebhook of it waits for. */
  private Handle holdUpdates(String id) {
    Handle h = server.db.jdbi().open();
    h.begin();
    h.createQuery("SELECT webhook_id FROM webhook_health WHERE webhook_id = ? FOR UPDATE").bind(0, id)
        .mapTo(String.class).one();
    return h;
  }

  /** Starts {@code n} UpdateWebhook calls of the webhook and waits until each waits for the held row. */
  private List<ListenableFuture<UpdateWebhookResponse>> startHeld(Channel key, String id, int n) {
    WebhookServiceGrpc.WebhookServiceFutureStub stub = WebhookServiceGrpc.newFutureStub(key);
    List<ListenableFuture<UpdateWebhookResponse>> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      calls.add(stub.updateWebhook(rename(id)));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count("""
        SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%webhook_health%'
        """) == n);
    return calls;
  }

  private double metric(String name) throws Exception {
    return Scrape.of(server.server.metrics()).value(name);
  }

  @Test
  void anAccountAtItsLimitIsRefusedAtOnceWhileOtherAccountsAndTheAdminAreServedAndItsSlotsComeBack() throws Exception {
    String mine = webhook("acct-a");
    String theirs = webhook("acct-b");
    Channel keyA = server.channelForAccount("acct-a");
    WebhookServiceGrpc.WebhookServiceBlockingStub a = WebhookServiceGrpc.newBlockingStub(keyA);
    WebhookServiceGrpc.WebhookServiceBlockingStub b =
        WebhookServiceGrpc.newBlockingStub(server.channelForAccount("acct-b"));
    List<ListenableFuture<UpdateWebhookResponse>> held;
    try (Handle lock = holdUpdates(mine)) {
      held = startHeld(keyA, mine, LIMIT);

      StatusAssert refused = StatusAssert.failing(() -> a.getWebhook(get(mine)));
      assertThat(refused.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(refused.reason()).isEqualTo("TOO_MANY_CALLS_IN_FLIGHT");
      assertThat(refused.errorInfo().getMetadataMap()).containsEntry("limit", String.valueOf(LIMIT));
      assertThat(refused.message()).contains(LIMIT + " calls in progress").contains("retry with exponential backoff");
      // Another account's key and the admin key are served meanwhile.
      assertThat(b.getWebhook(get(theirs)).getWebhook().getWebhookId()).isEqualTo(theirs);
      assertThat(admin.webhooks.getWebhook(get(mine)).getWebhook().getWebhookId()).isEqualTo(mine);
      assertThat(metric("webhooks_account_calls_in_flight")).isEqualTo(LIMIT);
      assertThat(metric("webhooks_calls_over_account_limit_total")).isEqualTo(1);
      lock.commit();
    }
    for (ListenableFuture<UpdateWebhookResponse> call : held) {
      assertThat(call.get(10, TimeUnit.SECONDS).getWebhook().getName()).isEqualTo("renamed");
    }
    // A slot is given back before the client hears the answer: the next call goes through at once.
    assertThat(a.getWebhook(get(mine)).getWebhook().getWebhookId()).isEqualTo(mine);
    assertThat(metric("webhooks_account_calls_in_flight")).isZero();
  }

  @Test
  void theKeysOfOneAccountShareItsLimitWhileAnotherAccountIsServed() throws Exception {
    String mine = webhook("acct-a");
    String theirs = webhook("acct-b");
    Channel first = server.channelForAccount("acct-a");
    Channel second = server.channelForAccount("acct-a");
    Channel third = server.channelForAccount("acct-a");
    List<ListenableFuture<UpdateWebhookResponse>> held = new ArrayList<>();
    try (Handle lock = holdUpdates(mine)) {
      // The limit split between two keys of the account: together they hold all of it.
      held.addAll(startHeld(first, mine, LIMIT - 1));
      WebhookServiceGrpc.WebhookServiceFutureStub viaSecond = WebhookServiceGrpc.newFutureStub(second);
      held.add(viaSecond.updateWebhook(rename(mine)));
      await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count("""
          SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%webhook_health%'
          """) == LIMIT);
      // Every key of the account is refused now, a fresh one too; its limit is not multiplied by its keys.
      for (Channel key : List.of(first, second, third, server.channelForAccount("acct-a"))) {
        StatusAssert refused = StatusAssert.failing(() -> WebhookServiceGrpc.newBlockingStub(key).getWebhook(get(mine)));
        assertThat(refused.reason()).isEqualTo("TOO_MANY_CALLS_IN_FLIGHT");
        assertThat(refused.message()).contains("This account already has " + LIMIT + " calls in progress")
            .contains("all its API keys together");
      }
      // Another account, with as many keys, is not affected.
      for (int i = 0; i < LIMIT + 1; i++) {
        assertThat(WebhookServiceGrpc.newBlockingStub(server.channelForAccount("acct-b")).getWebhook(get(theirs))
            .getWebhook().getWebhookId()).isEqualTo(theirs);
      }
      assertThat(metric("webhooks_account_calls_in_flight")).isEqualTo(LIMIT);
      lock.commit();
    }
    for (ListenableFuture<UpdateWebhookResponse> call : held) {
      assertThat(call.get(10, TimeUnit.SECONDS).getWebhook().getName()).isEqualTo("renamed");
    }
    assertThat(WebhookServiceGrpc.newBlockingStub(third).getWebhook(get(mine)).getWebhook().getWebhookId())
        .isEqualTo(mine);
  }

  @Test
  void slotsComeBackWhenCallsFailOrTheClientCancelsThem() throws Exception {
    String doomed = webhook("acct-a");
    String other = webhook("acct-a");
    Channel keyA = server.channelForAccount("acct-a");
    WebhookServiceGrpc.WebhookServiceBlockingStub a = WebhookServiceGrpc.newBlockingStub(keyA);
    // Failing calls, many more than the limit, one after the other.
    for (int i = 0; i < 3 * LIMIT; i++) {
      assertThat(StatusAssert.failing(() -> a.getWebhook(get("not-an-id"))).code())
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(StatusAssert.failing(() -> a.getWebhook(get("wh_missing"))).code()).isEqualTo(Status.Code.NOT_FOUND);
    }

    Context.CancellableContext cancellable = Context.current().withCancellation();
    try (Handle lock = holdUpdates(doomed)) {
      List<ListenableFuture<UpdateWebhookResponse>> held = cancellable.call(() -> startHeld(keyA, doomed, LIMIT));
      cancellable.cancel(null);
      for (ListenableFuture<UpdateWebhookResponse> call : held) {
        Throwable e = Assertions.catchThrowableOfType(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS))
            .getCause();
        assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.CANCELLED);
      }
      // The server still works on them (each holds a thread and a connection), so they still count, as the
      // message says: this client has no call in progress as it sees it.
      StatusAssert stillCounted = StatusAssert.failing(() -> a.getWebhook(get(other)));
      assertThat(stillCounted.reason()).isEqualTo("TOO_MANY_CALLS_IN_FLIGHT");
      assertThat(stillCounted.message()).contains("calls the client cancelled or gave up on count until");
      // Their webhook goes away under them: they end NOT_FOUND, to a client that left.
      lock.execute("DELETE FROM webhooks WHERE webhook_id = ?", doomed);
      lock.commit();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> metric("webhooks_account_calls_in_flight") == 0);

    // Every slot is free again: the key can hold the full limit once more, and not one more.
    try (Handle lock = holdUpdates(other)) {
      List<ListenableFuture<UpdateWebhookResponse>> held = startHeld(keyA, other, LIMIT);
      assertThat(StatusAssert.failing(() -> a.getWebhook(get(other))).reason()).isEqualTo("TOO_MANY_CALLS_IN_FLIGHT");
      lock.commit();
      for (ListenableFuture<UpdateWebhookResponse> call : held) {
        call.get(10, TimeUnit.SECONDS);
      }
    }
    assertThat(a.getWebhook(get(other)).getWebhook().getWebhookId()).isEqualTo(other);
  }
}
