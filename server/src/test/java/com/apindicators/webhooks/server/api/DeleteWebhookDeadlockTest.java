package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.v1.DeleteWebhookRequest;
import com.apindicators.webhooks.v1.GetWebhookRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import com.apindicators.webhooks.server.registry.WebhookDeletes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/**
 * DeleteWebhook against a transaction that holds one of the webhook's deliveries and then wants the webhook row,
 * as the result writer does when it records an outcome and applies a disable policy: PostgreSQL breaks the deadlock
 * by aborting the delete, and the delete runs again instead of answering INTERNAL.
 */
class DeleteWebhookDeadlockTest {
  @Test
  void aDeleteAbortedToBreakADeadlockRunsAgainAndSucceeds() throws Exception {
    try (GrpcTestServer server = GrpcTestServer.start()) {
      Fixtures f = new Fixtures(server.channel);
      // PostgreSQL aborts the side whose deadlock check runs first: the delete's, 1 s after it began waiting, if
      // this side waits by then. On a busy machine this side can start waiting later, and its own check then finds
      // the cycle: that try proves nothing, so it is made again, with a new webhook (at most three tries).
      String id = null;
      for (int tries = 0; tries < 3 && id == null; tries++) {
        id = deleteBesideAWriterThatWantsTheWebhook(server, f);
      }
      assertThat(id).as("a try in which PostgreSQL aborted the delete").isNotNull();
      String deleted = id;
      StatusRuntimeException gone = Assertions.catchThrowableOfType(
          () -> f.webhooks.getWebhook(GetWebhookRequest.newBuilder().setWebhookId(deleted).build()),
          StatusRuntimeException.class);
      assertThat(gone.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(TestDatabase.count("SELECT count(*) FROM deliveries")).isZero();
    }
  }

  /**
   * Deletes a new webhook while a transaction holds its delivery and then wants the webhook row; returns its id if
   * the delete was the side aborted (and so ran again and succeeded), null if this side was.
   */
  private static String deleteBesideAWriterThatWantsTheWebhook(GrpcTestServer server, Fixtures f) throws Exception {
    // Port 9 on loopback refuses: the delivery exists and stays pending between its retries.
    String id = f.webhook("acct", "http://127.0.0.1:9/hook", "signal.buy").getWebhook().getWebhookId();
    f.publish("signal.buy", "{\"n\":1}", "acct");
    await().atMost(Duration.ofSeconds(10))
        .until(() -> TestDatabase.count("SELECT count(*) FROM deliveries WHERE webhook_id = '" + id + "'") == 1);
    try (Handle writer = server.db.jdbi().open()) {
      writer.begin();
      writer.execute("UPDATE deliveries SET error = error WHERE webhook_id = ?", id);
      CompletableFuture<Void> delete = CompletableFuture.runAsync(
          () -> f.webhooks.deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(id).build()));
      // The delete holds the webhook row and waits for the delivery this transaction holds.
      await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).until(() -> TestDatabase.count("""
          SELECT count(*) FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND query LIKE '%DELETE FROM webhooks%'
          """) == 1);
      // Now this side wants the webhook row: a cycle. Without a retry the delete would fail INTERNAL when aborted.
      boolean deleteAborted;
      try {
        writer.createQuery("SELECT webhook_id FROM webhooks WHERE webhook_id = ? FOR KEY SHARE").bind(0, id)
            .mapTo(String.class).list();
        writer.commit();
        deleteAborted = true;
      } catch (org.jdbi.v3.core.statement.UnableToExecuteStatementException e) {
        if (!(e.getCause() instanceof java.sql.SQLException sql) || !"40P01".equals(sql.getSQLState())) {
          throw e;
        }
        writer.rollback();
        deleteAborted = false;
      }
      delete.get(30, TimeUnit.SECONDS);
      return deleteAborted ? id : null;
    }
  }

  @Test
  void thousandsOfDeliveriesGoInChunksWithTheirAttemptsAndNoOtherWebhooksRowsAreTouched() throws Exception {
    try (GrpcTestServer server = GrpcTestServer.start()) {
      Fixtures f = new Fixtures(server.channel);
      String doomed = f.webhook("acct", "http://127.0.0.1:9/a", "order.filled").getWebhook().getWebhookId();
      String kept = f.webhook("other", "http://127.0.0.1:9/b", "order.filled").getWebhook().getWebhookId();
      f.publish("order.filled", "{}", "acct");
      f.publish("order.filled", "{}", "other");
      await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count("SELECT count(*) FROM deliveries") == 2);
      // 2,500 more finished deliveries of the doomed webhook (more than two chunks), each with an attempt.
      server.db.jdbi().useHandle(h -> {
        h.execute("""
            INSERT INTO deliveries (delivery_id, event_id, webhook_id, account_id, event_type, url, status,
                max_attempts, retry_initial_ms, retry_max_ms, attempt_count, complete_time)
            SELECT 'dlv_bulk' || g, event_id, webhook_id, account_id, event_type, url, 'FAILED', 1, 1000, 1000, 1, now()
            FROM deliveries, generate_series(1, 2500) g WHERE webhook_id = ?
            """, doomed);
        h.execute("""
            INSERT INTO delivery_attempts (delivery_id, attempt, start_time, duration_ms, response_code, response_body,
                error, delivery_create_time)
            SELECT delivery_id, 1, now(), 1, 500, '', 'x', create_time FROM deliveries WHERE delivery_id LIKE 'dlv_bulk%'
            """);
      });
      int keptBefore = TestDatabase.count("SELECT count(*) FROM deliveries WHERE webhook_id = '" + kept + "'");

      f.webhooks.deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(doomed).build());

      assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE webhook_id = '" + doomed + "'")).isZero();
      assertThat(TestDatabase.count("SELECT count(*) FROM delivery_attempts WHERE delivery_id LIKE 'dlv_bulk%'")).isZero();
      assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE webhook_id = '" + kept + "'"))
          .isEqualTo(keptBefore).isEqualTo(1);
      assertThat(TestDatabase.count("SELECT count(*) FROM webhooks")).isEqualTo(1);
    }
  }

  @Test
  void manyDeletesAtOnceWorkAtMostTwoAtATimeSoTheyCannotTakeEveryDatabaseConnection() throws Exception {
    try (GrpcTestServer server = GrpcTestServer.start()) {
      Fixtures f = new Fixtures(server.channel);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        ids.add(f.webhook("acct" + i, "http://127.0.0.1:9/" + i, "order.filled").getWebhook().getWebhookId());
        f.publish("order.filled", "{}", "acct" + i);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count("SELECT count(*) FROM deliveries") == 8);
      // 2,500 more deliveries each: three chunks per delete.
      server.db.jdbi().useHandle(h -> h.execute("""
          INSERT INTO deliveries (delivery_id, event_id, webhook_id, account_id, event_type, url, status,
              max_attempts, retry_initial_ms, retry_max_ms, attempt_count, complete_time)
          SELECT 'dlv_bulk' || d.webhook_id || g, event_id, webhook_id, account_id, event_type, url, 'FAILED', 1,
              1000, 1000, 1, now()
          FROM deliveries d, generate_series(1, 2500) g
          """));
      AtomicInteger running = new AtomicInteger();
      AtomicInteger most = new AtomicInteger();
      server.db.jdbi().setSqlLogger(new SqlLogger() {
        @Override
        public void logBeforeExecution(StatementContext ctx) {
          if (ctx.getRenderedSql().contains("WITH doomed AS")) {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
          }
        }

        @Override
        public void logAfterExecution(StatementContext ctx) {
          if (ctx.getRenderedSql().contains("WITH doomed AS")) {
            running.decrementAndGet();
          }
        }
      });
      ExecutorService callers = Executors.newFixedThreadPool(ids.size());
      try {
        List<Future<?>> calls = new ArrayList<>();
        for (String id : ids) {
          calls.add(callers.submit(() -> f.webhooks.deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(id).build())));
        }
        for (Future<?> call : calls) {
          call.get(60, TimeUnit.SECONDS);
        }
      } finally {
        callers.shutdownNow();
      }
      assertThat(most.get()).as("delete chunks running at once").isBetween(1, WebhookDeletes.MAX_CONCURRENT_DELETES);
      assertThat(TestDatabase.count("SELECT count(*) FROM deliveries")).isZero();
      assertThat(TestDatabase.count("SELECT count(*) FROM webhooks")).isZero();
    }
  }
}
