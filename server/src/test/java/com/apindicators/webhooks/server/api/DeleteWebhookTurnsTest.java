package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.config.Scrape;
import com.apindicators.webhooks.v1.DeleteWebhookRequest;
import com.apindicators.webhooks.v1.DeleteWebhookResponse;
import com.apindicators.webhooks.v1.WebhookServiceGrpc;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DeleteWebhook shares the process's delete permits fairly between accounts, and stops when its call does. Deletes
 * are held deterministically by row locks this test takes: on a webhook's delivery attempts (a chunk's statement
 * waits for them) or on its row (the last step waits for it).
 */
class DeleteWebhookTurnsTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Fixtures admin = ext.fixtures();
  private final Map<String, Channel> keys = new HashMap<>();

  /** A webhook of the account with one published delivery and {@code more} finished ones, each with an attempt. */
  private String webhook(String account, int more) {
    String id = admin.webhook(account, "http://127.0.0.1:9/" + account, "order.filled").getWebhook().getWebhookId();
    admin.publish("order.filled", "{}", account);
    await().atMost(Duration.ofSeconds(10)).until(() -> deliveries(id) == 1);
    server.db.jdbi().useHandle(h -> {
      h.execute("""
          INSERT INTO deliveries (delivery_id, event_id, webhook_id, account_id, event_type, url, status,
              max_attempts, retry_initial_ms, retry_max_ms, attempt_count, complete_time)
          SELECT 'dlv_bulk_' || webhook_id || '_' || g, event_id, webhook_id, account_id, event_type, url, 'FAILED', 1,
              1000, 1000, 1, now()
          FROM deliveries, generate_series(1, ?) g WHERE webhook_id = ?
          """, more, id);
      h.execute("""
          INSERT INTO delivery_attempts (delivery_id, attempt, start_time, duration_ms, response_code, response_body,
              error, delivery_create_time)
          SELECT delivery_id, 1, now(), 1, 500, '', 'x', create_time FROM deliveries
          WHERE webhook_id = ? AND delivery_id LIKE 'dlv_bulk%'
          """, id);
    });
    return id;
  }

  private static int deliveries(String webhookId) {
    return TestDatabase.count("SELECT count(*) FROM deliveries WHERE webhook_id = '" + webhookId + "'");
  }

  private static boolean exists(String webhookId) {
    return TestDatabase.count("SELECT count(*) FROM webhooks WHERE webhook_id = '" + webhookId + "'") == 1;
  }

  /** A transaction holding the webhook's delivery attempts: the first chunk of its delete waits for them. */
  private Handle holdChunks(String webhookId) {
    Handle h = server.db.jdbi().open();
    h.begin();
    h.createQuery("""
        SELECT delivery_id FROM delivery_attempts
        WHERE delivery_id IN (SELECT delivery_id FROM deliveries WHERE webhook_id = ? AND delivery_id LIKE 'dlv_bulk%')
        FOR UPDATE
        """).bind(0, webhookId).mapTo(String.class).list();
    return h;
  }

  /** A transaction holding the webhook's row as a publish in progress does: its delete's last step waits for it. */
  private Handle holdRow(String webhookId) {
    Handle h = server.db.jdbi().open();
    h.begin();
    h.createQuery("SELECT webhook_id FROM webhooks WHERE webhook_id = ? FOR KEY SHARE").bind(0, webhookId)
        .mapTo(String.class).one();
    return h;
  }

  private ListenableFuture<DeleteWebhookResponse> delete(String account, String webhookId) {
    Channel key = keys.computeIfAbsent(account, server::channelForAccount);
    return WebhookServiceGrpc.newFutureStub(key).deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(webhookId).build());
  }

  private static int waitingOnLocks(String queryPart) {
    return TestDatabase.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%"
        + queryPart + "%'");
  }

  private double metric(String name, String... labels) throws Exception {
    return Scrape.of(server.server.metrics()).value(name, labels);
  }

  private void awaitWaiting(String queue, int n) {
    await().atMost(Duration.ofSeconds(10)).until(() -> metric("webhooks_deletes_waiting", "queue", queue) == n);
  }

  private static Status.Code codeOf(ListenableFuture<?> call) {
    Throwable e = Assertions.catchThrowableOfType(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
    assertThat(e).as("the call should fail").isNotNull();
    return Status.fromThrowable(e.getCause()).getCode();
  }

  @Test
  void anAccountsQueuedDeletesDoNotStandAheadOfAnotherAccountsFirstDelete() throws Exception {
    String a1 = webhook("acct-a", 2500);
    String a2 = webhook("acct-a", 0);
    String a3 = webhook("acct-a", 0);
    String c1 = webhook("acct-c", 10);
    String b1 = webhook("acct-b", 0);
    try (Handle a1Chunks = holdChunks(a1); Handle a1Row = holdRow(a1); Handle c1Row = holdRow(c1)) {
      // A's big delete and C's delete each hold one of the 2 permits, A's in its first chunk, C's in its last step.
      ListenableFuture<DeleteWebhookResponse> deleteA1 = delete("acct-a", a1);
      ListenableFuture<DeleteWebhookResponse> deleteC1 = delete("acct-c", c1);
      await().atMost(Duration.ofSeconds(10))
          .until(() -> waitingOnLocks("WITH doomed") == 1 && waitingOnLocks("DELETE FROM webhooks") == 1);
      // A's other deletes wait for A's turn, not for a permit.
      ListenableFuture<DeleteWebhookResponse> deleteA2 = delete("acct-a", a2);
      ListenableFuture<DeleteWebhookResponse> deleteA3 = delete("acct-a", a3);
      awaitWaiting("account", 2);
      ListenableFuture<DeleteWebhookResponse> deleteB1 = delete("acct-b", b1);
      awaitWaiting("process", 1);

      // A's first chunk ends: A's delete goes back into line behind B's, which therefore finishes while A's can
      // not (its last step waits for the row held here), and A's other deletes still wait for A's turn.
      a1Chunks.commit();
      deleteB1.get(30, TimeUnit.SECONDS);
      assertThat(exists(b1)).isFalse();
      assertThat(exists(a1)).isTrue();
      assertThat(exists(a2) && exists(a3)).isTrue();
      assertThat(deleteA1.isDone() || deleteA2.isDone() || deleteA3.isDone()).isFalse();

      a1Row.commit();
      c1Row.commit();
      for (ListenableFuture<DeleteWebhookResponse> call : List.of(deleteA1, deleteA2, deleteA3, deleteC1)) {
        call.get(30, TimeUnit.SECONDS);
      }
    }
    assertThat(TestDatabase.count("SELECT count(*) FROM webhooks")).isZero();
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries")).isZero();
    assertThat(metric("webhooks_deletes_waiting")).isZero();
  }

  @Test
  void aDeleteWhoseCallIsCancelledStopsAfterTheChunkInProgressAndASecondDeleteFinishes() throws Exception {
    stopsBetweenChunks(false);
  }

  @Test
  void aDeleteWhoseDeadlinePassesStopsAfterTheChunkInProgressAndASecondDeleteFinishes() throws Exception {
    stopsBetweenChunks(true);
  }

  private void stopsBetweenChunks(boolean deadline) throws Exception {
    String big = webhook("acct-a", 2500);
    int before = deliveries(big);
    Context.CancellableContext call = Context.current().withCancellation();
    try (Handle chunks = holdChunks(big)) {
      Channel key = server.channelForAccount("acct-a");
      WebhookServiceGrpc.WebhookServiceFutureStub stub = WebhookServiceGrpc.newFutureStub(key);
      ListenableFuture<DeleteWebhookResponse> delete = call.call(() ->
          (deadline ? stub.withDeadlineAfter(5, TimeUnit.SECONDS) : stub)
              .deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(big).build()));
      await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnLocks("WITH doomed") == 1);
      if (!deadline) {
        call.cancel(null);
      }
      assertThat(codeOf(delete)).isEqualTo(deadline ? Status.Code.DEADLINE_EXCEEDED : Status.Code.CANCELLED);
      // The chunk in progress finishes; the delete stops before the next one.
      chunks.commit();
    } finally {
      call.cancel(null);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> metric("webhooks_account_calls_in_flight") == 0);
    assertThat(deliveries(big)).isEqualTo(before - 1000);
    assertThat(exists(big)).isTrue();
    assertThat(metric("grpc_server_handled_total", "grpc_method", "DeleteWebhook", "grpc_code",
        deadline ? "DEADLINE_EXCEEDED" : "CANCELLED")).isEqualTo(1);

    delete("acct-a", big).get(30, TimeUnit.SECONDS);
    assertThat(exists(big)).isFalse();
    assertThat(deliveries(big)).isZero();
    assertThat(TestDatabase.count("SELECT count(*) FROM delivery_attempts")).isZero();
  }

  @Test
  void deletesWaitingForTheirTurnOrAPermitGiveUpWhenTheirCallIsCancelled() throws Exception {
    String a1 = webhook("acct-a", 0);
    String a2 = webhook("acct-a", 5);
    String c1 = webhook("acct-c", 0);
    String b1 = webhook("acct-b", 5);
    Context.CancellableContext cancellable = Context.current().withCancellation();
    try (Handle a1Row = holdRow(a1); Handle c1Row = holdRow(c1)) {
      ListenableFuture<DeleteWebhookResponse> deleteA1 = delete("acct-a", a1);
      ListenableFuture<DeleteWebhookResponse> deleteC1 = delete("acct-c", c1);
      await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnLocks("DELETE FROM webhooks") == 2);
      ListenableFuture<DeleteWebhookResponse> deleteA2 = cancellable.call(() -> delete("acct-a", a2));
      ListenableFuture<DeleteWebhookResponse> deleteB1 = cancellable.call(() -> delete("acct-b", b1));
      awaitWaiting("account", 1);
      awaitWaiting("process", 1);

      cancellable.cancel(null);
      assertThat(codeOf(deleteA2)).isEqualTo(Status.Code.CANCELLED);
      assertThat(codeOf(deleteB1)).isEqualTo(Status.Code.CANCELLED);
      // The server stops waiting for them (only the two held deletes remain in progress) and deleted nothing.
      awaitWaiting("account", 0);
      awaitWaiting("process", 0);
      await().atMost(Duration.ofSeconds(10)).until(() -> metric("webhooks_account_calls_in_flight") == 2);
      assertThat(deliveries(a2)).isEqualTo(6);
      assertThat(deliveries(b1)).isEqualTo(6);

      a1Row.commit();
      c1Row.commit();
      deleteA1.get(30, TimeUnit.SECONDS);
      deleteC1.get(30, TimeUnit.SECONDS);
    } finally {
      cancellable.cancel(null);
    }
    assertThat(exists(a2) && exists(b1)).isTrue();
    delete("acct-a", a2).get(30, TimeUnit.SECONDS);
    delete("acct-b", b1).get(30, TimeUnit.SECONDS);
    assertThat(TestDatabase.count("SELECT count(*) FROM webhooks")).isZero();
  }
}
