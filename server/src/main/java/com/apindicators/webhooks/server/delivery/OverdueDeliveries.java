package com.apindicators.webhooks.server.delivery;

import com.apindicators.webhooks.server.registry.RetrySettings;
import com.apindicators.webhooks.server.store.Ids;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the deliveries still pending long after their event's retention. Retention keeps a day while a pending
 * delivery needs it (its own day, or its event's), and every later day with it, for every account. Retries end
 * within {@link #ALLOWANCE} of that, so what is still pending past it waits for nothing its policy asked for: a
 * backlog of its own endpoint's, or a resend whose webhook's policy grew after it was checked. One account could so
 * hold every account's retention back without end. Such a delivery ends failed with the reason, logged as a change
 * as every other outcome, and its event's day can go.
 */
public final class OverdueDeliveries {
  private static final Logger log = LoggerFactory.getLogger(OverdueDeliveries.class);
  /**
   * How long past its retention horizon an event is kept for deliveries still pending: the longest retry schedule
   * ({@link RetrySettings#MAX_ATTEMPTS_LIMIT} attempts, {@link RetrySettings#MAX_BACKOFF_LIMIT} apart: 9 days), and a
   * day to spare for queueing.
   */
  public static final Duration ALLOWANCE =
      RetrySettings.MAX_BACKOFF_LIMIT.multipliedBy(RetrySettings.MAX_ATTEMPTS_LIMIT - 1).plusDays(1);
  /** Deliveries ended per transaction (each a row updated and a change logged). */
  static final int BATCH = 1_000;
  private final Jdbi jdbi;
  private final int retentionDays;

  public OverdueDeliveries(Jdbi jdbi, int retentionDays) {
    this.jdbi = jdbi;
    this.retentionDays = retentionDays;
  }

  /**
   * Ends every delivery still pending whose event (or itself) was created more than {@link #ALLOWANCE} before the
   * retention {@code horizon}; returns how many. A delivery some process is recording an outcome for at that moment
   * is left to the next run. One in flight then (leased to a process, parked or being sent) may still reach its
   * endpoint within its lease, but its outcome finds it ended and is not recorded.
   */
  public int endBefore(Instant horizon) {
    Timestamp before = Timestamp.from(horizon.minus(ALLOWANCE));
    String reason = "Not attempted again: its event is more than " + ALLOWANCE.toDays() + " days past the "
        + retentionDays + " days events are kept (the longest retry schedule is 9 days) and it was still pending;"
        + " publish the event again if it still matters";
    int ended = 0;
    for (int n = BATCH; n == BATCH; ended += n) {
      List<String> overdue = jdbi.inTransaction(h -> {
        // Through the pending index: with stale statistics the planner scanned a whole day's partition (450 ms for
        // one a benchmark had filled and emptied, its statistics still counting 30,000 pending), every hour in
        // every process; with the index, 137 ms there.
        h.execute("SET LOCAL enable_seqscan = off");
        return h.createQuery(OVERDUE).bind("before", before).bind("batch", BATCH).mapTo(String.class).list();
      });
      if (overdue.isEmpty()) {
        break;
      }
      n = jdbi.inTransaction(h -> {
        // The change log's order lock first, then only rows nobody holds: a result writer may hold a leased
        // delivery's row while it waits for this lock (its outcomes are written before their changes), and another
        // may hold this lock while it waits for the row (its held creations are logged before its outcomes).
        h.execute("SELECT pg_advisory_xact_lock(" + ChangeLog.ORDER_LOCK + ")");
        List<String> ids = h.createQuery(END).bind("ids", overdue.toArray(String[]::new)).bind("reason", reason)
            .bindMethods(Ids.span(overdue)).mapTo(String.class).list();
        ChangeLog.record(h, ids.toArray(String[]::new));
        return ids.size();
      });
    }
    if (ended > 0) {
      log.warn("Ended {} deliveries still pending more than {} days past their event's retention", ended,
          ALLOWANCE.toDays());
    }
    return ended;
  }

  /**
   * At most {@code :batch} deliveries pending, and made (or their event made: its id carries its time) before
   * {@code :before}. Read without a lock, through the pending index of every kept day.
   */
  private static final String OVERDUE = """
      SELECT delivery_id FROM deliveries
      WHERE status = 'PENDING' AND (create_time < :before OR webhooks_id_until(event_id) <= :before)
      LIMIT :batch
      """;

  /** Ends those of these deliveries still pending that no other transaction holds, by key. */
  private static final String END = """
      WITH overdue AS (
        SELECT delivery_id, create_time FROM deliveries
        WHERE delivery_id = ANY(:ids) AND create_time >= :from AND create_time < :until AND status = 'PENDING'
        FOR UPDATE SKIP LOCKED
      )
      UPDATE deliveries d SET status = 'FAILED', error = :reason, complete_time = now(), next_attempt_time = NULL,
          lease_owner = NULL, lease_until = NULL
      FROM overdue o WHERE d.delivery_id = o.delivery_id AND d.create_time = o.create_time
      RETURNING d.delivery_id
      """;
}
