package com.apindicators.webhooks.server.delivery;

import com.apindicators.webhooks.server.store.Ids;
import java.util.Arrays;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * SQL for the delivery pipeline's hot path on {@code deliveries} and {@code delivery_attempts}: claiming due
 * deliveries, giving leases back, recording outcomes. Static methods on a {@link Handle} through JDBI's fluent API
 * rather than a SqlObject: attaching a SqlObject copies the configuration and warms every method of its interface
 * (binders, mappers) each time, which the poller and the result writer would pay per claim and per batch (JFR: 30%
 * of the server's samples on the publish path, where the same cost was per call).
 */
public final class Leases {
  /**
   * The rows claimed ({@code claimed}) with what sending them needs: secrets, the event's time and data. Each event
   * is looked up once, in the days its claimed ids span: looked up per row, with its day pruned per row, the events
   * were half of a 500-row claim's time when 100 deliveries shared an event (auto_explain, throughput workload).
   */
  static final String JOB = """
      , claimed_events AS (
        SELECT e.event_id, e.event_time, e.data_json FROM events e
        WHERE e.event_id = ANY(ARRAY(SELECT DISTINCT event_id FROM claimed))
          AND e.create_time >= (SELECT min(webhooks_id_from(event_id)) FROM claimed)
          AND e.create_time < (SELECT max(webhooks_id_until(event_id)) FROM claimed)
      )
      SELECT c.*, w.signing_secret, e.event_time, e.data_json,
          CASE WHEN w.previous_secret_expire_time > now() THEN w.previous_signing_secret END AS previous_signing_secret,
      """ + DeliveryJobMapper.SECRETS_AS_OF + "\n" + """
      FROM claimed c JOIN webhooks w ON w.webhook_id = c.webhook_id
      JOIN claimed_events e ON e.event_id = c.event_id
      """;

  private Leases() {}

  /**
   * Leases up to {@code limit} due deliveries whose lease ran out (their node died or was too slow), oldest first.
   * It walks past the leases held, so it runs only now and then.
   */
  static List<DeliveryJob> claimExpired(Handle h, String node, long leaseMs, int limit) {
    return h.createQuery(CLAIM_EXPIRED).bind("node", node).bind("leaseMs", leaseMs).bind("limit", limit)
        .map(new DeliveryJobMapper()).list();
  }

  private static final String CLAIM_EXPIRED = """
      WITH due AS (
        SELECT delivery_id, create_time FROM deliveries
        WHERE status = 'PENDING' AND next_attempt_time <= now() AND lease_until < now()
        ORDER BY next_attempt_time
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
      ), claimed AS (
        -- By arrays, not a join: the days in them prune the partitions at run time (a join hashed every day's rows).
        UPDATE deliveries d SET lease_owner = :node, lease_until = now() + :leaseMs * interval '1 millisecond'
        WHERE d.delivery_id = ANY(ARRAY(SELECT delivery_id FROM due))
          AND d.create_time = ANY(ARRAY(SELECT create_time FROM due))
        RETURNING d.*
      )
      """ + JOB;

  /**
   * Leases up to {@code limit} due deliveries nobody holds (released or never leased), fairly across accounts: each account with due work
   * gets an equal share (oldest first within it), so one account's backlog cannot push another's behind it.
   * Accounts are found by skipping through the per-account index (one probe each); with more accounts than
   * {@code limit}, those after {@code after} come first, so the caller rotates through them. Deliveries of
   * {@code skipWebhooks} (whose lanes in this node are full) are left for later. SKIP LOCKED lets many nodes
   * claim at once. Each probe orders by both columns of the per-account due index: ordered by the account alone,
   * the planner at times walked the (account, seq) index through every delivery of the account instead, whenever
   * the last analyze saw most rows pending (auto_explain: 421 claims over 300 ms in five throughput runs).
   */
  static List<DeliveryJob> claimDue(Handle h, String node, long leaseMs, int limit, String after,
      String[] skipWebhooks) {
    return h.createQuery(CLAIM_DUE).bind("node", node).bind("leaseMs", leaseMs).bind("limit", limit)
        .bind("after", after).bind("skipWebhooks", skipWebhooks).map(new DeliveryJobMapper()).list();
  }

  private static final String CLAIM_DUE = """
      WITH RECURSIVE accounts AS (
        (SELECT account_id FROM deliveries
         WHERE status = 'PENDING' AND lease_owner IS NULL AND next_attempt_time <= now()
         ORDER BY account_id, next_attempt_time LIMIT 1)
        UNION ALL
        SELECT (SELECT d.account_id FROM deliveries d
                WHERE d.status = 'PENDING' AND d.lease_owner IS NULL AND d.next_attempt_time <= now()
                  AND d.account_id > a.account_id
                ORDER BY d.account_id, d.next_attempt_time LIMIT 1)
        FROM accounts a WHERE a.account_id IS NOT NULL
      ), turn AS (
        SELECT account_id FROM accounts WHERE account_id IS NOT NULL
        ORDER BY account_id <= :after, account_id LIMIT :limit
      ), due AS (
        SELECT x.delivery_id, x.create_time FROM turn t CROSS JOIN LATERAL (
          SELECT d.delivery_id, d.create_time FROM deliveries d
          WHERE d.account_id = t.account_id AND d.status = 'PENDING' AND d.lease_owner IS NULL
            AND d.next_attempt_time <= now() AND d.webhook_id <> ALL(:skipWebhooks)
          ORDER BY d.next_attempt_time
          LIMIT GREATEST(1, :limit / (SELECT count(*) FROM turn))
          FOR UPDATE SKIP LOCKED
        ) x
      ), claimed AS (
        UPDATE deliveries d SET lease_owner = :node, lease_until = now() + :leaseMs * interval '1 millisecond'
        WHERE d.delivery_id = ANY(ARRAY(SELECT delivery_id FROM due))
          AND d.create_time = ANY(ARRAY(SELECT create_time FROM due))
        RETURNING d.*
      )
      """ + JOB;

  /**
   * Gives back this node's leases of these deliveries (only their days are read); returns how many. Like the
   * outcome update it names no status: a lease is only ever held on a pending delivery (every statement that ends
   * one clears its lease), and a status condition lets the planner scan a day's whole pending index instead of the
   * primary key whenever autovacuum's last analyze saw few pending rows (90 ms a release, where the key takes 1).
   */
  static int releaseLeases(Handle h, String[] ids, String node) {
    return h.createUpdate(RELEASE).bind("ids", ids).bind("node", node).bindMethods(Ids.span(Arrays.asList(ids)))
        .execute();
  }

  private static final String RELEASE = """
      UPDATE deliveries SET lease_owner = NULL, lease_until = NULL
      WHERE delivery_id = ANY(:ids) AND create_time >= :from AND create_time < :until
        AND lease_owner = :node
      """;

  /**
   * Records a batch of attempt outcomes in one statement (arrays in, one row each), each only if its delivery still
   * exists and is still leased to this node for this attempt; returns those recorded. The others are stale (the lease
   * went to another attempt, or the webhook was deleted) and change nothing. An attempt is kept on its delivery's row
   * (with its start time); one after which the delivery stays pending is also logged in {@code delivery_attempts},
   * as the next attempt will take the row's place. A final attempt is not copied there: one row write fewer for most
   * deliveries ({@code delivery_attempt_log} lists both, see V13). No status condition, for the reason given at
   * {@link #releaseLeases}: in five throughput runs 300 of 455 batches over 300 ms scanned the day's pending index.
   */
  static List<String> recordOutcomes(Handle h, String node, String[] ids, String[] statuses, Integer[] attempts,
      Integer[] codes, String[] bodies, String[] errors, Long[] durations, String[] nextAttempts, String[] starts) {
    return h.createQuery(RECORD).bind("node", node).bind("ids", ids).bind("statuses", statuses)
        .bind("attempts", attempts).bind("codes", codes).bind("bodies", bodies).bind("errors", errors)
        .bind("durations", durations).bind("nextAttempts", nextAttempts).bind("starts", starts)
        .bindMethods(Ids.span(Arrays.asList(ids))).mapTo(String.class).list();
  }

  private static final String RECORD = """
      WITH o AS (
        SELECT * FROM unnest(:ids, :statuses, :attempts, :codes, :bodies, :errors, :durations,
            CAST(:nextAttempts AS timestamptz[]), CAST(:starts AS timestamptz[]))
            AS o(id, status, attempt, code, body, error, duration_ms, next_attempt, start_time)
      ), recorded AS (
        UPDATE deliveries d SET status = o.status, attempt_count = o.attempt, response_code = o.code,
            response_body = o.body, error = o.error, duration_ms = o.duration_ms,
            complete_time = CASE WHEN o.status = 'PENDING' THEN NULL ELSE now() END,
            next_attempt_time = o.next_attempt, lease_owner = NULL, lease_until = NULL, attempt_start_time = o.start_time
        FROM o
        -- The ids again as an index condition: without nested loops (see ResultWriter.plan) they are looked up by key.
        WHERE d.delivery_id = o.id AND d.delivery_id = ANY(:ids) AND d.create_time >= :from AND d.create_time < :until
          AND d.lease_owner = :node AND d.attempt_count = o.attempt - 1
        RETURNING d.delivery_id, d.attempt_count, d.create_time
      ), logged AS (
        -- Only rows the update locked: a concurrent delete waits for this commit, so the delivery exists then. Only
        -- attempts a retry follows: a final one stays on the row alone.
        INSERT INTO delivery_attempts (delivery_id, attempt, start_time, duration_ms, response_code, response_body, error,
            delivery_create_time)
        SELECT o.id, o.attempt, o.start_time, o.duration_ms, o.code, o.body, o.error, r.create_time
        FROM o JOIN recorded r ON r.delivery_id = o.id AND r.attempt_count = o.attempt
        WHERE o.status = 'PENDING'
        ON CONFLICT (delivery_id, delivery_create_time, attempt) DO NOTHING
      )
      SELECT delivery_id FROM recorded
      """;
}
