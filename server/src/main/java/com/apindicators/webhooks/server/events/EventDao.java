package com.apindicators.webhooks.server.events;

import com.apindicators.webhooks.server.registry.WebhookDao;
import com.apindicators.webhooks.server.delivery.DeliveryJob;
import com.apindicators.webhooks.server.delivery.DeliveryJobMapper;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.result.ResultProducer;
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
   * across day partitions, so a publish with a key takes this, then looks for the key, then inserts: sent before
   * {@link #PUBLISH}, in its transaction (see {@link #publish}).
   */
  String LOCK_KEY = "SELECT 1 FROM pg_advisory_xact_lock(7270004,"
      + " hashtext(coalesce(CAST(:lockAccount AS text), '') || '/' || :lockKey));\n";

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

  /**
   * The events of one statement, one row each, numbered from 1 ({@code n}): what picks their targets and, for a
   * publish, what is stored. A resend has one row, with its stored event's time and no data. {@code named} lists the
   * webhooks an event names as its only targets, by its number.
   */
  String INPUT = """
      input AS MATERIALIZED (
        SELECT * FROM unnest(CAST(:type AS text[]), CAST(:accountId AS text[]), CAST(:signal AS boolean[]),
            CAST(:pair AS text[]), CAST(:interval AS text[]), CAST(:score AS double precision[]),
            CAST(:names AS boolean[]), CAST(:eventTime AS timestamptz[]), CAST(:data AS text[]), CAST(:key AS text[]),
            CAST(:hash AS text[]))
          WITH ORDINALITY AS i(type, account_id, signal, pair, interval, score, names, event_time, data, key, hash, n)
      ), named AS (
        SELECT * FROM unnest(CAST(:namedN AS bigint[]), CAST(:namedId AS text[])) AS n(n, webhook_id)
      ),
      """;

  /**
   * What a target carries from its webhook {@code w} (in {@link #TARGETS} and {@link #PUBLISH_TO_ACCOUNT}): where
   * and how to deliver, and the secrets that sign, the previous one only while it still does.
   */
  String TARGET_COLUMNS = """
      w.webhook_id, w.account_id, w.url, w.retry_max_attempts, w.retry_initial_ms, w.retry_max_ms, w.signing_secret,
        CASE WHEN w.previous_secret_expire_time > now() THEN w.previous_signing_secret END AS previous_signing_secret,
        """ + DeliveryJobMapper.SECRETS_AS_OF + "\n";

  /**
   * How a publish holds its targets until it commits: a webhook deleted meanwhile is deleted either after the
   * publish commits (the delete waits for it, and its cascade deletes the deliveries made) or before the publish gets
   * to it (the publish waits for the delete, finds no row and makes no delivery for it, and goes to its other
   * targets). Before, a delete committing between a publish's read and its insert failed the whole publish on the
   * deliveries' foreign key: a tenant deleting a webhook failed every broadcast that had read it. The key's check now
   * finds the row locked by the publish itself. {@code KEY SHARE} waits only for a delete: an update of a webhook
   * locks it {@code FOR NO KEY UPDATE}.
   */
  String LOCK_TARGETS = "FOR KEY SHARE\n";

  /** Whether webhook {@code w} takes event {@code i} of {@link #INPUT}: any but a signal its filters turn away. */
  String SIGNAL_FILTERS = "(NOT i.signal OR (" + filters("i.pair", "i.interval", "i.score") + "))";

  /**
   * The webhooks each event goes to ({@link WebhookDao#TAKES_EVENTS}): enabled, not being deleted, subscribed, in scope and
   * matching; or just those it names (enabled, not being deleted, subscribed). Each event
   * looks in one place (a branch whose first condition fails runs nothing): the webhooks it names, its account's, or,
   * for a broadcast, every account's. Each branch locks the targets it finds ({@link #lockedTargets}). The first two
   * test the subscription with {@code = ANY}, which the events index cannot serve, so they read their own index, not
   * one combined with the events index, which holds every account's.
   */
  String TARGETS = """
      targets AS MATERIALIZED (
      """ + "SELECT i.n, " + TARGET_COLUMNS + "FROM input i CROSS JOIN LATERAL (\n"
      + lockedTargets("named", "i.names AND (i.account_id IS NULL OR w.account_id = i.account_id)"
          + " AND w.webhook_id = ANY (ARRAY(SELECT m.webhook_id FROM named m WHERE m.n = i.n))"
          + " AND " + WebhookDao.TAKES_EVENTS + " AND i.type = ANY (w.events)")
      + "UNION ALL\n"
      + lockedTargets("own", "NOT i.names AND i.account_id IS NOT NULL AND w.account_id = i.account_id"
          + " AND " + WebhookDao.TAKES_EVENTS + " AND i.type = ANY (w.events) AND " + SIGNAL_FILTERS)
      + "UNION ALL\n"
      + lockedTargets("every", "NOT i.names AND i.account_id IS NULL AND " + WebhookDao.TAKES_EVENTS
          + " AND w.events @> ARRAY[i.type] AND " + SIGNAL_FILTERS)
      + ") w\n),\n";

  /**
   * The webhooks {@code w} that meet {@code where}, locked ({@link #LOCK_TARGETS}) in a subquery of their own, as
   * one branch of {@link #TARGETS} (a branch of a {@code UNION} cannot lock).
   */
  static String lockedTargets(String alias, String where) {
    return "SELECT * FROM (SELECT * FROM webhooks w WHERE " + where + "\n" + LOCK_TARGETS + ") " + alias + "\n";
  }

  /**
   * Inserts a pending delivery per target of each stored event ({@code stored}: its number and id), every one
   * leased to this node, and returns them with their secrets, as read with the targets ({@code jobs}). The caller
   * hands some to its dispatcher and parks or releases the others once their creation is logged, so that no process
   * can send one before its creation is in the change log.
   */
  String CREATE_DELIVERIES = """
      created AS (
        INSERT INTO deliveries (event_id, webhook_id, account_id, event_type, url, status,
            max_attempts, retry_initial_ms, retry_max_ms, next_attempt_time, lease_owner, lease_until)
        SELECT s.event_id, t.webhook_id, t.account_id, i.type,
            t.url, 'PENDING', t.retry_max_attempts, t.retry_initial_ms, t.retry_max_ms, now(),
            :node, now() + :leaseMs * interval '1 millisecond'
        FROM stored s JOIN input i ON i.n = s.n JOIN targets t ON t.n = s.n
        RETURNING *
      ), jobs AS (
        SELECT s.n, c.*, t.signing_secret, t.previous_signing_secret, t.secrets_as_of,
            -- The data is not sent back once per delivery: every job shares the copy of the caller.
            i.event_time, CAST(NULL AS text) AS data_json
        FROM created c JOIN stored s ON s.event_id = c.event_id JOIN input i ON i.n = s.n
          JOIN targets t ON t.n = s.n AND t.webhook_id = c.webhook_id
      )
      """;

  /**
   * Publishes in one statement: stores the event with a new id (which carries its creation time) and how many
   * deliveries it makes, and a pending delivery per target, leased to this node (see {@link #CREATE_DELIVERIES}).
   * Stores nothing when the idempotency key is in use in its scope (its account, or broadcasts: {@link #LOCK_KEY}
   * first, in the same transaction, so the check sees every committed use), nor an event without key that goes
   * nowhere (nothing would read it). One row per delivery made, or one row without a delivery when none was; each
   * row carries the new event id and whether it was stored. Its input takes arrays ({@link #INPUT}, shared with
   * {@link #fanOut}); a publish sends one event. (Publishing concurrent calls' events together in one statement
   * was measured and dropped: README, Performance.)
   */
  String PUBLISH = "WITH " + INPUT + TARGETS + """
      counts AS (
        SELECT t.n, count(*) AS targets FROM targets t GROUP BY t.n
      ), new_event AS MATERIALIZED (
        SELECT i.n, webhooks_time_id('evt_') AS event_id FROM input i
      ), event AS (
        INSERT INTO events (event_id, type, account_id, event_time, data_json, idempotency_key, request_hash,
            deliveries_created)
        SELECT e.event_id, i.type, i.account_id, i.event_time, i.data, i.key, i.hash, coalesce(c.targets, 0)
        FROM input i JOIN new_event e ON e.n = i.n LEFT JOIN counts c ON c.n = i.n
        WHERE (i.key IS NOT NULL OR c.targets IS NOT NULL)
          AND (i.key IS NULL OR NOT EXISTS (
            SELECT 1 FROM events p
            WHERE coalesce(p.account_id, '') = coalesce(i.account_id, '') AND p.idempotency_key = i.key))
        RETURNING event_id
      ), stored AS (
        SELECT e.n, e.event_id FROM new_event e JOIN event USING (event_id)
      ),
      """ + CREATE_DELIVERIES + """
      SELECT e.event_id AS new_event_id, EXISTS (SELECT 1 FROM stored s WHERE s.n = e.n) AS stored, j.*
      FROM new_event e LEFT JOIN jobs j ON j.n = e.n
      ORDER BY e.n
      """;

  /**
   * Whether webhook {@code w} takes a signal, by its filters, with the signal's pair, interval and score given as
   * SQL expressions (a null one matches only an empty filter).
   */
  static String filters(String pair, String interval, String score) {
    return "(cardinality(w.filter_pairs) = 0 OR " + pair + " = ANY (w.filter_pairs))"
        + " AND (cardinality(w.filter_intervals) = 0 OR " + interval + " = ANY (w.filter_intervals))"
        + " AND (w.filter_min_score = 0 OR " + score + " >= w.filter_min_score)";
  }

  /**
   * The most common publish in a statement of its own: one event to an account, without idempotency key, naming no
   * webhooks. It does what {@link #PUBLISH} does for such an event (the same targets, rows and columns), without the
   * array input and the branches for other scopes that executing a generic plan pays for on every call:
   * {@code EXPLAIN ANALYZE} of one delivery, 0.16-0.34 ms against 0.44-0.68 for {@link #PUBLISH} (README, the
   * seventh round, before the targets were locked; the lock costs no more than the noise: the eighth round).
   */
  String PUBLISH_TO_ACCOUNT = """
      WITH targets AS MATERIALIZED (
      """ + "SELECT " + TARGET_COLUMNS + """
        FROM webhooks w
        WHERE w.account_id = :accountId AND CAST(:type AS text) = ANY (w.events) AND\s""" + WebhookDao.TAKES_EVENTS + "\n" + """
          AND (NOT :signal OR (""" + filters("CAST(:pair AS text)", "CAST(:interval AS text)",
          "CAST(:score AS double precision)") + """
      ))
      """ + LOCK_TARGETS + """
      ), new_event AS MATERIALIZED (
        SELECT webhooks_time_id('evt_') AS event_id
      ), event AS (
        INSERT INTO events (event_id, type, account_id, event_time, data_json, deliveries_created)
        SELECT e.event_id, :type, :accountId, CAST(:eventTime AS timestamptz), :data, c.targets
        FROM new_event e, (SELECT count(*) AS targets FROM targets) c
        WHERE c.targets > 0
        RETURNING event_id
      ), created AS (
        INSERT INTO deliveries (event_id, webhook_id, account_id, event_type, url, status,
            max_attempts, retry_initial_ms, retry_max_ms, next_attempt_time, lease_owner, lease_until)
        SELECT e.event_id, t.webhook_id, t.account_id, :type, t.url, 'PENDING', t.retry_max_attempts,
            t.retry_initial_ms, t.retry_max_ms, now(), :node, now() + :leaseMs * interval '1 millisecond'
        FROM event e CROSS JOIN targets t
        RETURNING *
      )
      SELECT e.event_id AS new_event_id, EXISTS (SELECT 1 FROM event) AS stored, j.*
      FROM new_event e LEFT JOIN (
        SELECT c.*, t.signing_secret, t.previous_signing_secret, t.secrets_as_of,
            CAST(:eventTime AS timestamptz) AS event_time,
            CAST(NULL AS text) AS data_json
        FROM created c JOIN targets t ON t.webhook_id = c.webhook_id
      ) j ON true
      """;

  /**
   * Sets how the next statement of its transaction is planned, sent before {@link #PUBLISH},
   * {@link #PUBLISH_TO_ACCOUNT} or {@link #fanOut}'s statement in the same round trip: the driver sends both, then
   * one sync, so PostgreSQL runs them in one implicit transaction, which these settings last for. Once for all
   * calls (a generic plan), without nested loops:
   *
   * <ul>
   *   <li>As custom plans, which PostgreSQL prefers because it sees how long the input's arrays are, planning took
   *       2.5 ms a call against 0.6 ms of running it (pg_stat_statements, publish workload): the statement touches
   *       every day partition of two tables. The generic plan prunes the days at run time.
   *   <li>With nested loops, 8,000 new deliveries (8 events to 1,000 webhooks each, in one statement while
   *       batching was tried) took 10 s instead of 0.2: while the statistics still saw few webhooks (a fan-out right
   *       after its webhooks were created), the planner expected one target and joined the new deliveries to the
   *       targets in a loop (EXPLAIN ANALYZE; 25 s statements in the benchmark's fan-out). Hash joins cost the same
   *       in the usual case and cannot go quadratic. The targets' lookup of each event's webhooks stays a loop (a
   *       lateral join is one).
   * </ul>
   */
  String PLAN = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)"
      + " || set_config('enable_nestloop', 'off', true);\n";

  /**
   * Runs {@link #PUBLISH} (or, for an account's event without key naming no webhooks, {@link #PUBLISH_TO_ACCOUNT})
   * on {@code h} in one round trip, after {@link #PLAN} and, with an idempotency key, {@link #LOCK_KEY}. Without a
   * key, on a handle in autocommit, they form one implicit transaction (the driver sends one sync after them). With
   * a key, run it in a transaction of the caller: a driver configured to sync between statements (an operator URL
   * with {@code preferQueryMode=simple} or {@code stringtype=unspecified}) would otherwise commit, and release, the
   * lock before the statement ran. Such a URL costs only the plan settings of a publish without key.
   */
  static List<PublishRow> publish(Handle h, Publication p, String node, long leaseMs) {
    Targets t = p.targets();
    if (p.key() == null && t.accountId() != null && t.only().length == 0) {
      return h.createQuery(PLAN + PUBLISH_TO_ACCOUNT).bind("accountId", t.accountId()).bind("type", t.type())
          .bind("signal", t.signal()).bind("pair", t.pair()).bind("interval", t.interval()).bind("score", t.score())
          // The time as text: a java.sql.Timestamp goes with no type, and the driver then asks the types in a round
          // trip of its own, which ends the implicit transaction of the plan settings (custom plans every call).
          .bind("eventTime", p.eventTime().toString()).bind("data", p.data()).bind("node", node)
          .bind("leaseMs", leaseMs)
          .execute(lastRows(1, new PublishRowMapper()));
    }
    return publishAnyScope(h, p, node, leaseMs);
  }

  /** {@link #publish} with {@link #PUBLISH}, whatever the event's scope (the way for a key, names, a broadcast). */
  static List<PublishRow> publishAnyScope(Handle h, Publication p, String node, long leaseMs) {
    Query q = h.createQuery((p.key() != null ? LOCK_KEY : "") + PLAN + PUBLISH);
    if (p.key() != null) {
      q.bind("lockAccount", p.targets().accountId()).bind("lockKey", p.key());
    }
    Targets.bind(q, p.targets()).bind("eventTime", new String[] {p.eventTime().toString()})
        .bind("data", new String[] {p.data()}).bind("key", new String[] {p.key()})
        .bind("hash", new String[] {p.hash()}).bind("node", node).bind("leaseMs", leaseMs);
    return q.execute(lastRows(p.key() != null ? 2 : 1, new PublishRowMapper()));
  }

  /**
   * The rows of the last statement of a query of several, the first {@code before} of which set up its transaction
   * (one row each, skipped).
   */
  private static <T> ResultProducer<List<T>> lastRows(int before, RowMapper<T> mapper) {
    return (statement, ctx) -> {
      try {
        PreparedStatement st = statement.get();
        for (int i = 0; i < before; i++) {
          if (!st.getMoreResults()) {
            throw new IllegalStateException("statement " + (i + 2) + " of the query returned no result set");
          }
        }
        List<T> rows = new ArrayList<>();
        try (ResultSet rs = st.getResultSet()) {
          while (rs.next()) {
            rows.add(mapper.map(rs, ctx));
          }
        }
        return rows;
      } finally {
        ctx.close();
      }
    };
  }

  /** An event to publish: its targets, time, compact data and, if it has one, its idempotency key and hash. */
  record Publication(Targets targets, Instant eventTime, String data, String key, String hash) {}

  /**
   * One row of {@link #publish}.
   *
   * @param job a delivery made, or null on the one row of an event that made none
   */
  record PublishRow(String eventId, boolean stored, DeliveryJob job) {}

  /**
   * Creates one pending delivery of a stored event per target in one statement (after {@link #PLAN}), leased to
   * this node so its dispatcher can send them at once, and returns them ready to send. With {@code only} non-empty,
   * just those webhooks get one (their filters do not apply: they were named).
   */
  static List<DeliveryJob> fanOut(Handle h, String eventId, Targets t, String node, long leaseMs, Instant eventTime) {
    String sql = PLAN + "WITH " + INPUT + TARGETS
        + "stored AS (SELECT CAST(1 AS bigint) AS n, CAST(:eventId AS text) AS event_id)," + CREATE_DELIVERIES
        + "SELECT * FROM jobs";
    return Targets.bind(h.createQuery(sql), t).bind("eventTime", new String[] {eventTime.toString()})
        .bind("data", new String[] {null}).bind("key", new String[] {null}).bind("hash", new String[] {null})
        .bind("eventId", eventId).bind("node", node).bind("leaseMs", leaseMs)
        .execute(lastRows(1, new DeliveryJobMapper()));
  }

  /** What picks an event's targets ({@link #TARGETS}): its type, scope, signal fields, and the webhooks named. */
  record Targets(String type, String accountId, boolean signal, String pair, String interval, Double score,
      String[] only) {
    /** Binds these targets as the one event of a statement's input (see {@link #INPUT}). */
    static Query bind(Query q, Targets t) {
      String[] only = t.only();
      return q.bind("type", new String[] {t.type()}).bind("accountId", new String[] {t.accountId()})
          .bind("signal", new Boolean[] {t.signal()}).bind("pair", new String[] {t.pair()})
          .bind("interval", new String[] {t.interval()}).bind("score", new Double[] {t.score()})
          .bind("names", new Boolean[] {only.length > 0})
          .bind("namedN", Collections.nCopies(only.length, 1L).toArray(Long[]::new))
          .bind("namedId", only);
    }
  }

  /** A stored event with its idempotency hash, the deliveries it made, and its list position. */
  record PriorEvent(PublishedEvent event, String requestHash, int deliveriesCreated, long seq) {}
}
