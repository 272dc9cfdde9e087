package com.apindicators.webhooks.server.delivery;

import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import com.apindicators.webhooks.server.store.Ids;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** SQL for {@code deliveries} and {@code delivery_attempts}: claiming, recording results, reading the log. */
@RegisterRowMapper(DeliveryMapper.class)
@RegisterRowMapper(DeliveryJobMapper.class)
public interface DeliveryDao {
  String JOB = """
      SELECT c.*, w.signing_secret, e.event_time, e.data_json,
          CASE WHEN w.previous_secret_expire_time > now() THEN w.previous_signing_secret END AS previous_signing_secret
      FROM claimed c JOIN webhooks w ON w.webhook_id = c.webhook_id
      JOIN events e ON e.event_id = c.event_id
          AND e.create_time >= webhooks_id_from(c.event_id) AND e.create_time < webhooks_id_until(c.event_id)
      """;

  /**
   * Leases up to {@code limit} due deliveries whose lease ran out (their node died or was too slow), oldest first.
   * It walks past the leases held, so it runs only now and then.
   */
  @SqlQuery("""
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
      """ + JOB)
  List<DeliveryJob> claimExpired(@Bind("node") String node, @Bind("leaseMs") long leaseMs, @Bind("limit") int limit);

  /**
   * Leases up to {@code limit} due deliveries nobody holds (released or never leased), fairly across accounts: each account with due work
   * gets an equal share (oldest first within it), so one account's backlog cannot push another's behind it.
   * Accounts are found by skipping through the per-account index (one probe each); with more accounts than
   * {@code limit}, those after {@code after} come first, so the caller rotates through them. Deliveries of
   * {@code skipWebhooks} (whose lanes in this node are full) are left for later. SKIP LOCKED lets many nodes
   * claim at once.
   */
  @SqlQuery("""
      WITH RECURSIVE accounts AS (
        (SELECT account_id FROM deliveries
         WHERE status = 'PENDING' AND lease_owner IS NULL AND next_attempt_time <= now()
         ORDER BY account_id LIMIT 1)
        UNION ALL
        SELECT (SELECT d.account_id FROM deliveries d
                WHERE d.status = 'PENDING' AND d.lease_owner IS NULL AND d.next_attempt_time <= now()
                  AND d.account_id > a.account_id
                ORDER BY d.account_id LIMIT 1)
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
      """ + JOB)
  List<DeliveryJob> claimDue(@Bind("node") String node, @Bind("leaseMs") long leaseMs, @Bind("limit") int limit,
      @Bind("after") String after, @Bind("skipWebhooks") String[] skipWebhooks);

  /** Makes a delivery pending again for one more attempt, leased to this node; empty if it is pending already. */
  @SqlQuery("""
      WITH claimed AS (
        UPDATE deliveries d SET status = 'PENDING', url = w.url, complete_time = NULL, next_attempt_time = now(),
            max_attempts = GREATEST(d.max_attempts, d.attempt_count + 1),
            lease_owner = :node, lease_until = now() + :leaseMs * interval '1 millisecond'
        FROM webhooks w
        WHERE d.delivery_id = :id AND d.create_time >= :from AND d.create_time < :until
          AND w.webhook_id = d.webhook_id AND d.status <> 'PENDING'
        RETURNING d.*
      )
      """ + JOB)
  Optional<DeliveryJob> redeliver(@Bind("id") String id, @Bind("node") String node, @Bind("leaseMs") long leaseMs,
      @BindMethods Ids.Span span);

  /** Gives back leases; {@code span}: of the ids (see {@link Ids#span}), so that only their days are read. */
  @SqlUpdate("""
      UPDATE deliveries SET lease_owner = NULL, lease_until = NULL
      WHERE delivery_id = ANY(:ids) AND create_time >= :from AND create_time < :until
        AND status = 'PENDING' AND lease_owner = :node
      """)
  int releaseLeases(@Bind("ids") String[] ids, @Bind("node") String node, @BindMethods Ids.Span span);

  /**
   * Records a batch of attempt outcomes and logs their attempts in one statement (arrays in, one row each), each
   * only if its delivery still exists and is still leased to this node for this attempt; returns those recorded.
   * The others are stale (the lease went to another attempt, or the webhook was deleted) and change nothing.
   */
  @SqlQuery("""
      WITH o AS (
        SELECT * FROM unnest(:ids, :statuses, :attempts, :codes, :bodies, :errors, :durations, :nextAttempts, :starts)
            AS o(id, status, attempt, code, body, error, duration_ms, next_attempt, start_time)
      ), recorded AS (
        UPDATE deliveries d SET status = o.status, attempt_count = o.attempt, response_code = o.code,
            response_body = o.body, error = o.error, duration_ms = o.duration_ms,
            complete_time = CASE WHEN o.status = 'PENDING' THEN NULL ELSE now() END,
            next_attempt_time = o.next_attempt, lease_owner = NULL, lease_until = NULL
        FROM o
        WHERE d.delivery_id = o.id AND d.create_time >= :from AND d.create_time < :until
          AND d.lease_owner = :node AND d.status = 'PENDING' AND d.attempt_count = o.attempt - 1
        RETURNING d.delivery_id, d.attempt_count, d.create_time
      ), logged AS (
        -- Only rows the update locked: a concurrent delete waits for this commit, so the foreign key holds.
        INSERT INTO delivery_attempts (delivery_id, attempt, start_time, duration_ms, response_code, response_body, error,
            delivery_create_time)
        SELECT o.id, o.attempt, o.start_time, o.duration_ms, o.code, o.body, o.error, r.create_time
        FROM o JOIN recorded r ON r.delivery_id = o.id AND r.attempt_count = o.attempt
        ON CONFLICT (delivery_id, delivery_create_time, attempt) DO NOTHING
      )
      SELECT delivery_id FROM recorded
      """)
  List<String> recordOutcomes(@Bind("node") String node, @Bind("ids") String[] ids,
      @Bind("statuses") String[] statuses, @Bind("attempts") Integer[] attempts, @Bind("codes") Integer[] codes,
      @Bind("bodies") String[] bodies, @Bind("errors") String[] errors, @Bind("durations") Long[] durations,
      @Bind("nextAttempts") Timestamp[] nextAttempts, @Bind("starts") Timestamp[] starts, @BindMethods Ids.Span span);

  /** Those of these webhooks that no longer exist (deleted, perhaps through another process). */
  @SqlQuery("SELECT id FROM unnest(:ids) AS t(id) WHERE NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.webhook_id = t.id)")
  List<String> deletedWebhooks(@Bind("ids") String[] ids);

  @SqlQuery("""
      SELECT * FROM deliveries
      WHERE delivery_id = :id AND create_time >= :from AND create_time < :until
      """)
  Optional<Delivery> find(@Bind("id") String id, @BindMethods Ids.Span span);

  /** These deliveries, oldest first. */
  @SqlQuery("SELECT * FROM deliveries WHERE delivery_id = ANY(:ids) AND create_time >= :from AND create_time < :until ORDER BY seq")
  List<Delivery> findAll(@Bind("ids") String[] ids, @BindMethods Ids.Span span);

  /** The filters of a listing besides its scope; an empty array or a null time filters nothing. */
  String LIST_FILTERS = """
        AND seq < :beforeSeq
        AND (cardinality(CAST(:statuses AS text[])) = 0 OR status = ANY(CAST(:statuses AS text[])))
        AND (cardinality(CAST(:types AS text[])) = 0 OR event_type = ANY(CAST(:types AS text[])))
        AND (cardinality(CAST(:webhooks AS text[])) = 0 OR webhook_id = ANY(CAST(:webhooks AS text[])))
        AND (CAST(:from AS timestamptz) IS NULL OR create_time >= CAST(:from AS timestamptz))
        AND (CAST(:to AS timestamptz) IS NULL OR create_time < CAST(:to AS timestamptz))
      ORDER BY seq DESC LIMIT :limit
      """;

  /** A webhook's deliveries older than a position, newest first, filtered. */
  @SqlQuery("SELECT * FROM deliveries WHERE webhook_id = :scope" + LIST_FILTERS)
  List<Delivery> listByWebhook(@Bind("scope") String webhookId, @Bind("statuses") String[] statuses,
      @Bind("types") String[] types, @Bind("webhooks") String[] webhooks, @Bind("from") Timestamp from,
      @Bind("to") Timestamp to, @Bind("beforeSeq") long beforeSeq, @Bind("limit") int limit);

  /** An account's deliveries older than a position, newest first, filtered. */
  @SqlQuery("SELECT * FROM deliveries WHERE account_id = :scope" + LIST_FILTERS)
  List<Delivery> listByAccount(@Bind("scope") String accountId, @Bind("statuses") String[] statuses,
      @Bind("types") String[] types, @Bind("webhooks") String[] webhooks, @Bind("from") Timestamp from,
      @Bind("to") Timestamp to, @Bind("beforeSeq") long beforeSeq, @Bind("limit") int limit);

  /** A delivery's attempts after an attempt number, oldest first. */
  @SqlQuery("""
      SELECT attempt, start_time, duration_ms, response_code, response_body, error FROM delivery_attempts
      WHERE delivery_id = :id AND attempt > :after
        AND delivery_create_time >= :from AND delivery_create_time < :until
      ORDER BY attempt LIMIT :limit
      """)
  @RegisterConstructorMapper(DeliveryAttempt.class)
  List<DeliveryAttempt> attempts(@Bind("id") String deliveryId, @Bind("after") int after, @Bind("limit") int limit,
      @BindMethods Ids.Span span);
}
