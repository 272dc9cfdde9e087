package com.apindicators.webhooks.server.events;

import com.apindicators.webhooks.server.delivery.DeliveryJob;
import com.apindicators.webhooks.server.delivery.DeliveryJobMapper;
import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import com.apindicators.webhooks.server.registry.Ids;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** SQL for the {@code events} table and the fan-out into {@code deliveries}. */
public interface EventDao {
  /** Inserts the event and returns its new id (which carries its creation time). */
  @SqlQuery("""
      INSERT INTO events (type, account_id, event_time, data_json, idempotency_key, request_hash)
      VALUES (:type, :accountId, :time, :data, :key, :hash)
      RETURNING event_id
      """)
  String insert(@Bind("type") String type, @Bind("accountId") String accountId,
      @Bind("time") Timestamp time, @Bind("data") String data, @Bind("key") String key, @Bind("hash") String hash);

  /**
   * Holds an idempotency key's scope (its account, or broadcasts) until the transaction ends. Keys cannot be unique
   * across day partitions, so a publisher with a key takes this, then looks for the key, then inserts.
   */
  @SqlQuery("SELECT 1 FROM pg_advisory_xact_lock(7270004, hashtext(coalesce(CAST(:accountId AS text), '') || '/' || :key))")
  int lockKey(@Bind("accountId") String accountId, @Bind("key") String key);

  /** The earlier event with this idempotency key in the scope: id, hash and how many deliveries it made. */
  @SqlQuery("""
      SELECT seq, event_id, type, account_id, event_time, data_json, request_hash, deliveries_created
      FROM events WHERE coalesce(account_id, '') = coalesce(CAST(:accountId AS text), '') AND idempotency_key = :key
      """)
  @RegisterRowMapper(PriorEventMapper.class)
  Optional<PriorEvent> findByKey(@Bind("accountId") String accountId, @Bind("key") String key);

  /** One stored event. */
  @SqlQuery("""
      SELECT seq, event_id, type, account_id, event_time, data_json, request_hash, deliveries_created
      FROM events
      WHERE event_id = :id AND create_time >= :from AND create_time < :until
      """)
  @RegisterRowMapper(PriorEventMapper.class)
  Optional<PriorEvent> find(@Bind("id") String id, @BindMethods Ids.Span span);

  /** An account's events older than a position, newest first, optionally only of some types. */
  @SqlQuery("""
      SELECT seq, event_id, type, account_id, event_time, data_json, request_hash, deliveries_created
      FROM events
      WHERE account_id = :accountId AND seq < :beforeSeq
        AND (cardinality(CAST(:types AS text[])) = 0 OR type = ANY(CAST(:types AS text[])))
      ORDER BY seq DESC LIMIT :limit
      """)
  @RegisterRowMapper(PriorEventMapper.class)
  List<PriorEvent> listByAccount(@Bind("accountId") String accountId, @Bind("types") String[] types,
      @Bind("beforeSeq") long beforeSeq, @Bind("limit") int limit);

  @SqlUpdate("""
      UPDATE events SET deliveries_created = :n
      WHERE event_id = :id AND create_time >= :from AND create_time < :until
      """)
  void setDeliveriesCreated(@Bind("id") String id, @Bind("n") int n, @BindMethods Ids.Span span);

  @SqlUpdate("""
      DELETE FROM events
      WHERE event_id = :id AND create_time >= :from AND create_time < :until
      """)
  void delete(@Bind("id") String id, @BindMethods Ids.Span span);

  /**
   * Creates one pending delivery per enabled, subscribed, matching webhook in one statement, leased to
   * this node so its dispatcher can send them at once, and returns them ready to send. With {@code only}
   * non-empty, just those webhooks get one (their filters do not apply: they were named).
   */
  @SqlQuery("""
      WITH created AS (
        INSERT INTO deliveries (event_id, webhook_id, account_id, event_type, url, status,
            max_attempts, retry_initial_ms, retry_max_ms, next_attempt_time, lease_owner, lease_until)
        SELECT :eventId, w.webhook_id, w.account_id, :type,
            w.url, 'PENDING', w.retry_max_attempts, w.retry_initial_ms, w.retry_max_ms, now(),
            :node, now() + :leaseMs * interval '1 millisecond'
        FROM webhooks w
        WHERE w.enabled
          AND w.events @> ARRAY[CAST(:type AS text)]
          AND (CAST(:accountId AS text) IS NULL OR w.account_id = :accountId)
          AND (cardinality(CAST(:only AS text[])) = 0 OR w.webhook_id = ANY(CAST(:only AS text[])))
          AND (NOT :signal OR cardinality(CAST(:only AS text[])) > 0 OR (
                (cardinality(w.filter_pairs) = 0 OR CAST(:pair AS text) = ANY (w.filter_pairs))
            AND (cardinality(w.filter_intervals) = 0 OR CAST(:interval AS text) = ANY (w.filter_intervals))
            AND (w.filter_min_score = 0 OR CAST(:score AS double precision) >= w.filter_min_score)))
        RETURNING *
      )
      SELECT c.*, w.signing_secret,
          CASE WHEN w.previous_secret_expire_time > now() THEN w.previous_signing_secret END AS previous_signing_secret,
          CAST(:eventTime AS timestamptz) AS event_time, CAST(:data AS text) AS data_json
      FROM created c JOIN webhooks w ON w.webhook_id = c.webhook_id
      """)
  @RegisterRowMapper(DeliveryJobMapper.class)
  List<DeliveryJob> fanOut(@Bind("eventId") String eventId, @Bind("type") String type,
      @Bind("accountId") String accountId, @Bind("signal") boolean signal, @Bind("pair") String pair,
      @Bind("interval") String interval, @Bind("score") Double score, @Bind("node") String node,
      @Bind("leaseMs") long leaseMs, @Bind("eventTime") Timestamp eventTime, @Bind("data") String data,
      @Bind("only") String[] only);

  /** A stored event with its idempotency hash, the deliveries it made, and its list position. */
  record PriorEvent(PublishedEvent event, String requestHash, int deliveriesCreated, long seq) {}
}
