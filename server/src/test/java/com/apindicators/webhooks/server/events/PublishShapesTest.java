package com.apindicators.webhooks.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.delivery.DeliveryJob;
import com.apindicators.webhooks.server.store.Database;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.Test;

/**
 * An account's publish without key runs a statement of its own ({@link EventDao#PUBLISH_TO_ACCOUNT}); it must pick
 * the same targets and store the same rows as the statement for every scope ({@link EventDao#PUBLISH}), filters,
 * disabled webhooks, webhooks being deleted, other types and other accounts included.
 */
class PublishShapesTest {
  private static final String[][] WEBHOOKS = {
      // id, account, events, enabled, pairs, intervals, min score, previous secret still valid, delete's mark
      // (seconds from now; empty: none)
      {"wh_all", "acct", "signal.buy", "true", "", "", "0", "false", ""},
      {"wh_btc", "acct", "signal.buy", "true", "BTCUSDT", "", "0", "true", ""},
      {"wh_1h_strong", "acct", "signal.buy", "true", "", "1h", "0.8", "false", ""},
      {"wh_both", "acct", "signal.buy,order.filled", "true", "ETHUSDT", "4h", "0.5", "false", ""},
      {"wh_off", "acct", "signal.buy", "false", "", "", "0", "false", ""},
      {"wh_orders", "acct", "order.filled", "true", "BTCUSDT", "", "0.9", "false", ""},
      {"wh_elsewhere", "other", "signal.buy,order.filled", "true", "", "", "0", "false", ""},
      {"wh_deleting", "acct", "signal.buy,order.filled", "true", "", "", "0", "false", "60"},
      {"wh_mark_ran_out", "acct", "signal.buy", "true", "", "", "0", "false", "-1"},
  };

  @Test
  void theAccountStatementMakesWhatTheStatementForEveryScopeMakes() throws Exception {
    Database db = TestDatabase.clean();
    db.jdbi().useHandle(PublishShapesTest::webhooks);
    // type, pair, interval, score (null: absent)
    Object[][] events = {
        {"signal.buy", "BTCUSDT", "1h", 0.9}, {"signal.buy", "BTCUSDT", "1h", 0.5},
        {"signal.buy", "ETHUSDT", "4h", 0.5}, {"signal.buy", "ETHUSDT", "4h", 0.49},
        {"signal.buy", "ETHUSDT", "4h", null},
        {"signal.buy", null, null, null}, {"signal.buy", "ETHUSDT", null, 1.0}, {"order.filled", "BTCUSDT", null, 0.1},
        {"signal.sell", "BTCUSDT", "1h", 0.9}, {"backtest.completed", null, null, null},
    };
    List<String> statements = new java.util.concurrent.CopyOnWriteArrayList<>();
    db.jdbi().setSqlLogger(new SqlLogger() {
      @Override
      public void logAfterExecution(StatementContext ctx) {
        statements.add(ctx.getRenderedSql());
      }
    });
    try {
      int compared = 0;
      for (Object[] e : events) {
        String type = (String) e[0];
        EventDao.Targets targets = new EventDao.Targets(type, "acct", type.startsWith("signal."), (String) e[1],
            (String) e[2], (Double) e[3], new String[0]);
        EventDao.Publication p = new EventDao.Publication(targets,
            Instant.parse("2026-11-30T10:00:00Z"), "{\"n\":1}", null, null);
        statements.clear();
        Made account = made(db, p, EventDao::publish);
        assertThat(statements).as("the account statement").contains(EventDao.PLAN + EventDao.PUBLISH_TO_ACCOUNT);
        statements.clear();
        Made anyScope = made(db, p, EventDao::publishAnyScope);
        assertThat(statements).contains(EventDao.PLAN + EventDao.PUBLISH);
        assertThat(account).as(Arrays.toString(e)).isEqualTo(anyScope);
        compared += account.deliveries().size();
      }
      // 3 + 2 + 2 + 1 + 1 + 1 + 1 + 2 targets by the filters above, and the webhook whose delete's mark ran out for
      // each of the 7 signal.buy: each webhook but the disabled one, the one being deleted and the other account's
      // is picked by some event and passed over by another.
      assertThat(compared).isEqualTo(20);
    } finally {
      // The database is shared by the tests that run after this one.
      db.jdbi().setSqlLogger(SqlLogger.NOP_SQL_LOGGER);
    }
  }

  /** What one publish made, without its new ids: whether it stored the event, the event's row, its jobs and rows. */
  record Made(boolean stored, String event, List<String> deliveries, List<String> rows) {}

  private static Made made(Database db, EventDao.Publication p, PublishCall call) {
    return db.jdbi().inTransaction(h -> {
      List<EventDao.PublishRow> rows = call.publish(h, p, "node", 60_000);
      String eventId = rows.get(0).eventId();
      assertThat(eventId).startsWith("evt_");
      assertThat(rows).allSatisfy(r -> assertThat(r.eventId()).isEqualTo(eventId));
      String event = h.createQuery("""
          SELECT concat_ws('|', type, account_id, event_time, data_json, idempotency_key, request_hash,
              deliveries_created) FROM events WHERE event_id = :id""").bind("id", eventId)
          .mapTo(String.class).findOne().orElse("not stored");
      List<String> jobs = new ArrayList<>();
      for (EventDao.PublishRow r : rows) {
        DeliveryJob j = r.job();
        if (j != null) {
          assertThat(j.deliveryId()).startsWith("dlv_");
          jobs.add(String.join("|", j.webhookId(), j.accountId(), j.url(), j.signingSecret(),
              Objects.toString(j.previousSigningSecret()), j.eventType(), j.eventTime().toString(),
              Objects.toString(j.dataJson()), Integer.toString(j.attempt()), Integer.toString(j.maxAttempts()),
              Long.toString(j.retryInitialMs())));
        }
      }
      // The rows themselves: every column but the ids and the statement's clock (the lease's length instead).
      List<String> stored = h.createQuery("""
          SELECT concat_ws('|', webhook_id, account_id, event_type, url, status, attempt_count, max_attempts,
              retry_initial_ms, retry_max_ms, next_attempt_time = now(), lease_owner, lease_until - next_attempt_time)
          FROM deliveries WHERE event_id = :id ORDER BY webhook_id""").bind("id", eventId).mapTo(String.class).list();
      assertThat(stored).hasSize(jobs.size());
      h.rollback();
      return new Made(rows.get(0).stored(), event, jobs.stream().sorted().toList(), stored);
    });
  }

  @FunctionalInterface
  private interface PublishCall {
    List<EventDao.PublishRow> publish(Handle h, EventDao.Publication p, String node, long leaseMs);
  }

  private static void webhooks(Handle h) {
    h.execute("INSERT INTO accounts (account_id) VALUES ('acct'), ('other')");
    for (String[] w : WEBHOOKS) {
      h.createUpdate("""
          INSERT INTO webhooks (webhook_id, account_id, name, url, events, enabled, signing_secret, secret_hint,
              filter_pairs, filter_intervals, filter_min_score, retry_max_attempts, retry_initial_ms, retry_max_ms,
              previous_signing_secret, previous_secret_expire_time, deleting_until)
          VALUES (:id, :account, 'n', 'http://127.0.0.1:9/' || :id, string_to_array(:events, ','), :enabled,
              's-' || :id, 'h', string_to_array(:pairs, ','), string_to_array(:intervals, ','), :score,
              length(:id), 1000 + length(:id), 60000 + length(:id), 'old-' || :id,
              now() + CASE WHEN :previous THEN interval '1 day' ELSE interval '-1 day' END,
              now() + CAST(NULLIF(:deleting, '') AS int) * interval '1 second')
          """).bind("id", w[0]).bind("account", w[1]).bind("events", w[2]).bind("enabled", Boolean.parseBoolean(w[3]))
          .bind("pairs", w[4]).bind("intervals", w[5]).bind("score", Double.parseDouble(w[6]))
          .bind("previous", Boolean.parseBoolean(w[7])).bind("deleting", w[8]).execute();
    }
  }
}
