package com.apindicators.webhooks.server.events;

import com.apindicators.webhooks.server.delivery.DeliveryJob;
import com.apindicators.webhooks.server.delivery.DeliveryJobMapper;
import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import com.apindicators.webhooks.server.store.Ids;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/**
 * SQL for the {@code events} table and the fan-out into {@code deliveries}.
 *
 * <p>The statements run once per publish are static methods on a {@link Handle}, not SqlObject methods: attaching
 * a SqlObject copies the configuration and warms every method of the interface (binders, mappers) each time,
 * about 30% of the server's CPU in the {@code publish} benchmark (JFR samples under
 * {@code ExtensionFactoryDelegate.attach}).
 */
public interface EventDao {
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

  /** The webhooks an event goes to: enabled, subscribed, in scope and matching; or just those named in {@code only}. */
  String TARGETS = """
        SELECT w.webhook_id, w.account_id, w.url, w.retry_max_attempts, w.retry_initial_ms, w.retry_max_ms
        FROM webhooks w
        WHERE w.enabled
          AND w.events @> ARRAY[CAST(:type AS text)]
          AND (CAST(:accountId AS text) IS NULL OR w.account_id = :accountId)
          AND (cardinality(CAST(:only AS text[])) = 0 OR w.webhook_id = ANY(CAST(:only AS text[])))
          AND (NOT :signal OR cardinality(CAST(:only AS text[])) > 0 OR (
                (cardinality(w.filter_pairs) = 0 OR CAST(:pair AS text) = ANY (w.filter_pairs))
            AND (cardinality(w.filter_intervals) = 0 OR CAST(:interval AS text) = ANY (w.filter_intervals))
            AND (w.filter_min_score = 0 OR CAST(:score AS double precision) >= w.filter_min_score)))
      """;

  /**
   * Inserts a pending delivery per target of {@code event}, every one leased to this node, and returns them with
   * their secrets ({@code jobs}). The caller hands some to its dispatcher; its result writer releases the others
   * once their creation is logged, so that no process can send one before its creation is in the change log.
   */
  String CREATE_DELIVERIES = """
      created AS (
        INSERT INTO deliveries (event_id, webhook_id, account_id, event_type, url, status,
            max_attempts, retry_initial_ms, retry_max_ms, next_attempt_time, lease_owner, lease_until)
        SELECT e.event_id, t.webhook_id, t.account_id, :type,
            t.url, 'PENDING', t.retry_max_attempts, t.retry_initial_ms, t.retry_max_ms, now(),
            :node, now() + :leaseMs * interval '1 millisecond'
        FROM targets t CROSS JOIN event e
        RETURNING *
      ), jobs AS (
        SELECT c.*, w.signing_secret,
            CASE WHEN w.previous_secret_expire_time > now() THEN w.previous_signing_secret END AS previous_signing_secret,
            -- The data is the caller's: not sent back once per delivery (every job shares the caller's copy).
            CAST(:eventTime AS timestamptz) AS event_time, CAST(NULL AS text) AS data_json
        FROM created c JOIN webhooks w ON w.webhook_id = c.webhook_id
      )
      """;

  /**
   * Publishes in one statement (one round trip): stores the event with a new id (which carries its creation time)
   * and how many deliveries it makes, and a pending delivery per target, leased to this node (see
   * {@link #CREATE_DELIVERIES}). Stores nothing when
   * the idempotency key is in use in its scope (its account, or broadcasts: hold {@link #lockKey} first, in the
   * same transaction, so the check sees every committed use), nor an event without key that goes nowhere (nothing
   * would read it). One row per delivery made, or one row without a delivery when none was; each row carries the
   * new event id and whether the event was stored.
   */
  String PUBLISH = "WITH targets AS MATERIALIZED (" + TARGETS + """
      ), new_event AS (
        SELECT webhooks_time_id('evt_') AS event_id
      ), event AS (
        INSERT INTO events (event_id, type, account_id, event_time, data_json, idempotency_key, request_hash,
            deliveries_created)
        SELECT n.event_id, :type, :accountId, :eventTime, :data, :key, :hash, (SELECT count(*) FROM targets)
        FROM new_event n
        WHERE (CAST(:key AS text) IS NOT NULL OR EXISTS (SELECT 1 FROM targets))
          AND (CAST(:key AS text) IS NULL OR NOT EXISTS (
            SELECT 1 FROM events p
            WHERE coalesce(p.account_id, '') = coalesce(CAST(:accountId AS text), '') AND p.idempotency_key = :key))
        RETURNING event_id
      ),
      """ + CREATE_DELIVERIES + """
      SELECT n.event_id AS new_event_id, EXISTS (SELECT 1 FROM event) AS stored, j.*
      FROM new_event n LEFT JOIN jobs j ON true
      """;

  /** Runs {@link #PUBLISH} on {@code h}. */
  static List<PublishRow> publish(Handle h, Targets t, String node, long leaseMs, Timestamp eventTime,
      String data, String key, String hash) {
    return t.bind(h.createQuery(PUBLISH)).bind("node", node).bind("leaseMs", leaseMs)
        .bind("eventTime", eventTime).bind("data", data).bind("key", key).bind("hash", hash)
        .map(new PublishRowMapper()).list();
  }

  /**
   * One row of {@link #publish}.
   *
   * @param job a delivery made, or null on the one row of an event that made none
   */
  record PublishRow(String eventId, boolean stored, DeliveryJob job) {}

  /**
   * Creates one pending delivery of a stored event per target in one statement, leased to this node so its
   * dispatcher can send them at once, and returns them ready to send. With {@code only} non-empty, just those
   * webhooks get one (their filters do not apply: they were named).
   */
  static List<DeliveryJob> fanOut(Handle h, String eventId, Targets t, String node, long leaseMs, Timestamp eventTime) {
    return t.bind(h.createQuery("WITH targets AS MATERIALIZED (" + TARGETS
            + "), event AS (SELECT CAST(:eventId AS text) AS event_id)," + CREATE_DELIVERIES + "SELECT * FROM jobs"))
        .bind("eventId", eventId).bind("node", node).bind("leaseMs", leaseMs).bind("eventTime", eventTime)
        .map(new DeliveryJobMapper()).list();
  }

  /** What picks an event's targets ({@link #TARGETS}): its type, scope, signal fields, and the webhooks named. */
  record Targets(String type, String accountId, boolean signal, String pair, String interval, Double score,
      String[] only) {
    Query bind(Query q) {
      return q.bind("type", type).bind("accountId", accountId).bind("signal", signal).bind("pair", pair)
          .bind("interval", interval).bind("score", score).bind("only", only);
    }
  }

  /** A stored event with its idempotency hash, the deliveries it made, and its list position. */
  record PriorEvent(PublishedEvent event, String requestHash, int deliveriesCreated, long seq) {}
}
