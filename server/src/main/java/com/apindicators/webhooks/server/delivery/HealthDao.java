package com.apindicators.webhooks.server.delivery;

import java.util.List;
import org.jdbi.v3.core.Handle;

/** SQL for {@code webhook_health}: folding a batch of recorded attempts into each webhook's row. */
public interface HealthDao {
  /** A webhook its disable policy disabled, and why. */
  record Disabled(String webhookId, String disabledReason) {}

  /**
   * In one statement: appends each webhook's attempts of the batch (in order) to its last 100 (the success rate
   * and p50/p99 are read from those, see WebhookMapper); moves its last completed delivery and its run of failures on; and
   * disables, with the reason, each enabled webhook whose policy that run now meets (only when a delivery of it
   * failed in this batch). Returns the webhooks it disabled. The rows are updated in webhook id order, so
   * processes sharing webhooks rarely deadlock (and a deadlock only makes the writer try the batch again); an
   * explicit lock first would cost a second write per row.
   *
   * @param failures per webhook, its failed deliveries after the last delivered one in the batch (all when none)
   * @param resets per webhook, whether a delivery of it was delivered in the batch (which ends a run of failures)
   * @param lastStatuses per webhook, the final status of its last completed delivery in the batch, or null
   */
  String RECORD = """
      WITH a AS (
        SELECT * FROM unnest(CAST(:attemptWebhooks AS text[]), CAST(:oks AS boolean[]), CAST(:ms AS int[]))
            WITH ORDINALITY AS a(webhook_id, ok, ms, n)
      ), g AS (
        SELECT webhook_id, array_agg(ok ORDER BY n) AS oks, array_agg(ms ORDER BY n) AS ms FROM a GROUP BY webhook_id
      ), s AS (
        SELECT s.*, g.oks, g.ms FROM unnest(CAST(:webhooks AS text[]), CAST(:failures AS int[]),
            CAST(:resets AS boolean[]), CAST(:lastStatuses AS text[]), CAST(:lastErrors AS text[]))
            AS s(webhook_id, failures, reset, last_status, last_error)
        JOIN g USING (webhook_id)
        ORDER BY webhook_id
      ), updated AS (
        UPDATE webhook_health h SET
            recent_ok = last_100(h.recent_ok, s.oks),
            recent_ms = last_100(h.recent_ms, s.ms),
            last_status = coalesce(s.last_status, h.last_status),
            last_time = CASE WHEN s.last_status IS NULL THEN h.last_time ELSE now() END,
            consecutive_failures = CASE WHEN s.reset THEN s.failures ELSE h.consecutive_failures + s.failures END,
            failing_since = CASE WHEN s.failures = 0 THEN (CASE WHEN s.reset THEN NULL ELSE h.failing_since END)
                                 WHEN s.reset THEN now() ELSE coalesce(h.failing_since, now()) END
        FROM s
        WHERE h.webhook_id = s.webhook_id
        RETURNING h.webhook_id, h.consecutive_failures, h.failing_since, s.failures, s.last_error
      ), disabled AS (
        UPDATE webhooks w SET enabled = false, disabled_time = now(), update_time = now(),
            disabled_reason = 'Disabled by its disable policy: '
                || CASE WHEN u.consecutive_failures >= w.disable_after_failures
                        THEN u.consecutive_failures || ' deliveries in a row failed'
                        ELSE 'every delivery failed for ' || justify_interval(date_trunc('second', now() - u.failing_since))
                             || ' (since ' || to_char(u.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ')'
                   END
                || '; the last: ' || left(u.last_error, 200)
                || '. Fix the endpoint, then set enabled to true with UpdateWebhook.'
        FROM updated u
        WHERE w.webhook_id = u.webhook_id AND u.failures > 0 AND w.enabled
          AND (u.consecutive_failures >= w.disable_after_failures
            OR u.failing_since <= now() - w.disable_after_ms * interval '1 millisecond')
        RETURNING w.webhook_id, w.disabled_reason
      )
      SELECT webhook_id, disabled_reason FROM disabled
      """;

  /** Runs {@link #RECORD} (per result batch, so through the fluent API: see {@link Leases}). */
  static List<Disabled> record(Handle h, String[] attemptWebhooks, Boolean[] oks, Integer[] ms, String[] webhooks,
      Integer[] failures, Boolean[] resets, String[] lastStatuses, String[] lastErrors) {
    return h.createQuery(RECORD).bind("attemptWebhooks", attemptWebhooks).bind("oks", oks).bind("ms", ms)
        .bind("webhooks", webhooks).bind("failures", failures).bind("resets", resets)
        .bind("lastStatuses", lastStatuses).bind("lastErrors", lastErrors)
        .map((rs, ctx) -> new Disabled(rs.getString("webhook_id"), rs.getString("disabled_reason"))).list();
  }
}
