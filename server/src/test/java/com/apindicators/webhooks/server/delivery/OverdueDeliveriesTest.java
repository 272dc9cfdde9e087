package com.apindicators.webhooks.server.delivery;

import static com.apindicators.webhooks.server.OldRows.noonDaysAgo;
import static com.apindicators.webhooks.server.OldRows.partition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.OldRows;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.store.Retention;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One account's deliveries pending long past their event's retention (a resend whose webhook's policy grew after the
 * check, or a backlog behind its own endpoint) cannot hold back every account's retention: they end failed, logged as
 * changes, and their days go. Those within the longest retry schedule keep their days, as before.
 */
class OverdueDeliveriesTest {
  private Jdbi jdbi;
  private OldRows old;

  @BeforeEach
  void cleanTables() {
    jdbi = TestDatabase.clean().jdbi();
    new Retention(jdbi, 1, 1).retire(); // days other tests made
    old = new OldRows(jdbi);
    jdbi.useHandle(h -> {
      h.execute("INSERT INTO accounts (account_id) VALUES ('attacker'), ('victim')");
      h.execute("""
          INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)
          VALUES ('wh_a', 'attacker', 'hook', 'http://127.0.0.1:9/', '{signal.buy}', 'x', 'x'),
                 ('wh_v', 'victim', 'hook', 'http://127.0.0.1:9/', '{signal.buy}', 'x', 'x')
          """);
    });
  }

  @AfterEach
  void dropDays() {
    new Retention(jdbi, 1, 1).retire();
  }

  private Retention retention() {
    return new Retention(jdbi, 30, 7, new OverdueDeliveries(jdbi, 30)::endBefore);
  }

  private String status(String deliveryId) {
    return one("SELECT status FROM deliveries WHERE delivery_id = :id", deliveryId);
  }

  /** The one value the query gives, as text, for this delivery id. */
  private String one(String sql, String deliveryId) {
    return jdbi.withHandle(h -> h.createQuery(sql).bind("id", deliveryId).mapTo(String.class).one());
  }

  private int count(String sql) {
    return jdbi.withHandle(h -> h.createQuery(sql).mapTo(Integer.class).one());
  }

  @Test
  void aResendPendingPastTheAllowanceEndsFailedAsAChangeAndItsEventsDayGoes() {
    Instant overdueDay = noonDaysAgo(41); // 11 days past the 30 kept: past the 10-day allowance
    String oldEvent = old.event("attacker", overdueDay);
    String resent = old.delivery(oldEvent, "wh_a", Instant.now(), Instant.now().plus(1, ChronoUnit.HOURS));
    // Leased to a process that is sending it now: its lease goes too (a lease is only ever on a pending delivery).
    jdbi.useHandle(h -> h.execute("UPDATE deliveries SET lease_owner = 'node_x', lease_until = now() + interval '1 hour'"
        + " WHERE delivery_id = ?", resent));
    String victims = old.delivery(old.event("victim", Instant.now()), "wh_v", Instant.now(),
        Instant.now().plus(1, ChronoUnit.HOURS));

    List<String> dropped = retention().retire();

    assertThat(status(resent)).isEqualTo("FAILED");
    assertThat(one("SELECT error FROM deliveries WHERE delivery_id = :id", resent))
        .contains("more than 10 days past the 30 days events are kept");
    assertThat(one("SELECT coalesce(lease_owner, 'none') FROM deliveries WHERE delivery_id = :id", resent))
        .isEqualTo("none");
    // Watchers see it end: a change with the final state, after the one the delivery was made with.
    assertThat(one("SELECT status FROM delivery_changes WHERE delivery_id = :id ORDER BY change_id DESC LIMIT 1",
        resent)).isEqualTo("FAILED");
    assertThat(dropped).contains(partition("events", overdueDay));
    assertThat(old.exists(partition("events", overdueDay))).isFalse();
    // Another account's pending delivery is not touched.
    assertThat(status(victims)).isEqualTo("PENDING");
  }

  @Test
  void aDeliveryPendingWithinTheLongestRetryScheduleKeepsItsDayAndTheDaysAfterIt() {
    Instant withinDay = noonDaysAgo(39); // 9 days past the 30 kept: a 10-attempt, 24 h policy may still run
    String event = old.event("attacker", withinDay);
    String pending = old.delivery(event, "wh_a", withinDay, Instant.now().plus(1, ChronoUnit.HOURS));
    Instant later = noonDaysAgo(35);
    old.delivery(old.event("victim", later), "wh_v", later, null);

    List<String> dropped = retention().retire();

    assertThat(status(pending)).isEqualTo("PENDING");
    assertThat(dropped).doesNotContain(partition("events", withinDay), partition("deliveries", later));
    assertThat(old.exists(partition("deliveries", later))).isTrue();
  }

  @Test
  void moreOverdueDeliveriesThanOneBatchAllEnd() {
    String oldEvent = old.event("attacker", noonDaysAgo(45));
    int many = OverdueDeliveries.BATCH * 2 + 5;
    jdbi.useHandle(h -> h.createUpdate("""
        INSERT INTO deliveries (delivery_id, event_id, webhook_id, account_id, event_type, url, status, max_attempts,
            retry_initial_ms, retry_max_ms, next_attempt_time)
        SELECT webhooks_time_id('dlv_'), :event, 'wh_a', 'attacker', 'signal.buy', 'http://127.0.0.1:9/', 'PENDING',
            10, 1000, 86400000, now() + interval '1 day'
        FROM generate_series(1, :n)
        """).bind("event", oldEvent).bind("n", many).execute());

    assertThat(new OverdueDeliveries(jdbi, 30).endBefore(new Retention(jdbi, 30, 7).horizon())).isEqualTo(many);

    assertThat(count("SELECT count(*) FROM deliveries WHERE status = 'PENDING'")).isZero();
    assertThat(count("SELECT count(*) FROM delivery_changes WHERE status = 'FAILED'")).isEqualTo(many);
  }

  /**
   * The result writer may hold the change log's order lock while it records an outcome of a leased delivery that is
   * overdue (its held creations are logged first). Ending overdue deliveries takes that lock before any row: taken
   * after the rows, the two waited for each other until PostgreSQL aborted one (a deadlock, every change writer of
   * every process stalled meanwhile).
   */
  @Test
  void endingOverdueDeliveriesBesideAWriterHoldingTheChangeLogLockIsNoDeadlock() throws Exception {
    String leased = old.delivery(old.event("attacker", noonDaysAgo(45)), "wh_a", Instant.now(),
        Instant.now().plus(1, ChronoUnit.HOURS));
    ExecutorService ending = Executors.newSingleThreadExecutor();
    try (Handle writer = jdbi.open()) {
      writer.begin();
      writer.execute("SELECT pg_advisory_xact_lock(" + ChangeLog.ORDER_LOCK + ")");
      Future<Integer> ended = ending.submit(() -> new OverdueDeliveries(jdbi, 30).endBefore(
          new Retention(jdbi, 30, 7).horizon()));
      // Until it waits for that lock (any other waiter for it can only make the writer go on sooner, which is safe).
      await().atMost(Duration.ofSeconds(10)).until(() -> count("SELECT count(*) FROM pg_locks WHERE locktype ="
          + " 'advisory' AND objid = " + ChangeLog.ORDER_LOCK + " AND NOT granted") >= 1);
      // The writer goes on to the delivery's row, as recordOutcomes does.
      writer.execute("UPDATE deliveries SET duration_ms = 7 WHERE delivery_id = ?", leased);
      writer.commit();
      assertThat(ended.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    } finally {
      ending.shutdownNow();
    }
    assertThat(status(leased)).isEqualTo("FAILED");
  }
}
