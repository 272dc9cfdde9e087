package com.apindicators.webhooks.server.delivery;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import com.apindicators.webhooks.server.store.Ids;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/** SQL for {@code delivery_changes}: recording state changes in commit order and reading them back. */
public interface ChangeLog {
  /** The PostgreSQL NOTIFY channel every process's feed listens on. */
  String CHANNEL = "webhooks_delivery_changes";
  long ORDER_LOCK = 7270001L;

  /**
   * Records the current state of these deliveries as changes and wakes every process's feed at commit.
   * Call inside the transaction that changed them.
   */
  static void record(Handle h, String[] deliveryIds) {
    record(h, deliveryIds, Map.of(), Set.of());
  }

  /**
   * Records the deliveries' current state as above; the change of each delivery in {@code webhookDisabled} also
   * carries the notice that its webhook was disabled now, for that reason, and that of each delivery in
   * {@code createdToo} also stands for its creation, just before it (whose change was not recorded).
   */
  static void record(Handle h, String[] deliveryIds, Map<String, String> webhookDisabled, Set<String> createdToo) {
    if (deliveryIds.length == 0) {
      return;
    }
    // Per result batch: the fluent API, not an attached SqlObject (see Leases).
    h.createQuery(INSERT_SNAPSHOTS).bind("ids", deliveryIds)
        .bind("noticeIds", webhookDisabled.keySet().toArray(String[]::new))
        .bind("noticeReasons", webhookDisabled.values().toArray(String[]::new))
        .bind("createdToo", createdToo.toArray(String[]::new))
        .bindMethods(Ids.span(Arrays.asList(deliveryIds))).mapTo(Long.class).one();
  }

  /**
   * One round trip: takes the lock that serializes change writers until commit (each row's change id is drawn
   * after it, so change ids become visible in increasing order), copies the deliveries' current state with any
   * webhook-disabled notice, and queues the NOTIFY that PostgreSQL sends at commit.
   */
  String INSERT_SNAPSHOTS = "WITH ordered AS (SELECT pg_advisory_xact_lock(" + ORDER_LOCK + ")), copied AS ("
      + """
        INSERT INTO delivery_changes (delivery_id, webhook_id, account_id, event_id, event_type, url, status,
            response_code, error, attempt_count, duration_ms, create_time, complete_time, next_attempt_time,
            webhook_disabled_reason, webhook_disabled_time, created_too)
        SELECT d.delivery_id, d.webhook_id, d.account_id, d.event_id, d.event_type, d.url, d.status, d.response_code,
            d.error, d.attempt_count, d.duration_ms, d.create_time, d.complete_time, d.next_attempt_time,
            d.reason, CASE WHEN d.reason IS NOT NULL THEN now() END, d.delivery_id = ANY(CAST(:createdToo AS text[]))
        FROM ordered CROSS JOIN LATERAL (
          SELECT x.*, n.reason FROM deliveries x
          LEFT JOIN unnest(CAST(:noticeIds AS text[]), CAST(:noticeReasons AS text[])) AS n(delivery_id, reason)
              ON n.delivery_id = x.delivery_id
          WHERE x.delivery_id = ANY(:ids) AND x.create_time >= :from AND x.create_time < :until ORDER BY x.seq) d
        RETURNING 1
      )
      """ + "SELECT (SELECT count(*) FROM copied) AS copied, pg_notify('" + CHANNEL + "', '')";

  /**
   * At most {@code limit} changes after an id, in order, optionally narrowed (null or empty arrays narrow nothing):
   * fewer only when there are no more. A row that also stands for its delivery's creation is two changes (see
   * {@link LoggedChange}); a page may end between them. Read by every feed and replay page, so through the fluent API
   * (see {@link Leases}).
   */
  static List<DeliveryChange> after(Handle h, long after, String accountId, String[] webhookIds, String[] eventTypes,
      String[] statuses, int limit) {
    return after(h, after, Long.MAX_VALUE, accountId, webhookIds, eventTypes, statuses, limit);
  }

  /**
   * A replay's page: its changes, and, for a page that ends short, the change id through which every change was read
   * ({@code 0}: through the newest). A page read past {@code 0} ends short only where it reached that id, not the
   * newest change. A full page gives {@code 0} too: the next page starts after its last change.
   */
  public record Page(List<DeliveryChange> changes, long readThrough) {}

  /**
   * As {@link #after(Handle, long, String, String[], String[], String[], int)}, for a replay: reads at most {@code
   * scan} of the account's changes (every account's, for a null one) whatever the filters, so that a filter matching
   * few of them costs a page no more than that. Before, a watch with a filter matching nothing read every change of
   * its account since its token in one statement, holding one of the replay threads (two per process, shared by
   * every tenant) for as long as that took. A page that fills reads only its own rows (one statement: the scan's
   * bound is a limit under the filters, and the rows stream in order); only a page that ends short asks where its
   * scan ended, in the same snapshot. Before, every page first counted its way to the bound: a catch-up of a
   * million changes read 10,000 index entries for each of its 5,000 pages.
   */
  public static Page replayPage(Handle h, long after, String accountId, String[] webhookIds, String[] eventTypes,
      String[] statuses, int limit, int scan) {
    return h.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, tx -> {
      Query page = accountId == null ? tx.createQuery(REPLAY) : tx.createQuery(REPLAY_ACCOUNT).bind("accountId", accountId);
      List<DeliveryChange> changes = changes(page.bind("scan", scan), after, webhookIds, eventTypes, statuses, limit);
      if (changes.size() == limit) {
        return new Page(changes, 0);
      }
      Query bound = accountId == null ? tx.createQuery(NTH_AFTER)
          : tx.createQuery(NTH_AFTER_ACCOUNT).bind("accountId", accountId);
      return new Page(changes, bound.bind("after", after).bind("skip", scan - 1).mapTo(Long.class).findOne().orElse(0L));
    });
  }

  /** The account's {@code skip + 1}-th change id after {@code after}, if there are that many. */
  String NTH_AFTER_ACCOUNT = """
      SELECT change_id FROM delivery_changes WHERE account_id = :accountId AND change_id > :after
      ORDER BY change_id OFFSET :skip LIMIT 1
      """;

  /** Every account's {@code skip + 1}-th change id after {@code after}, if there are that many. */
  String NTH_AFTER = """
      SELECT change_id FROM delivery_changes WHERE change_id > :after ORDER BY change_id OFFSET :skip LIMIT 1
      """;

  private static List<DeliveryChange> after(Handle h, long after, long through, String accountId,
      String[] webhookIds, String[] eventTypes, String[] statuses, int limit) {
    Query q = accountId == null ? h.createQuery(AFTER) : h.createQuery(AFTER_ACCOUNT).bind("accountId", accountId);
    return changes(q.bind("through", through), after, webhookIds, eventTypes, statuses, limit);
  }

  /** Runs a query of {@link #FILTERS_AND_PAGE} and gives at most {@code limit} of the changes its rows stand for. */
  private static List<DeliveryChange> changes(Query q, long after, String[] webhookIds, String[] eventTypes,
      String[] statuses, int limit) {
    // One row more than asked: the first row read may give none (after is its creation's position, and only its
    // creation matches the filter); every other row gives at least one.
    List<LoggedChange> rows = q.bind("after", after).bind("webhookIds", webhookIds).bind("eventTypes", eventTypes)
        .bind("statuses", statuses).bind("limit", limit + 1).map(new DeliveryChangeMapper()).list();
    Set<String> wanted = statuses == null ? Set.of() : new HashSet<>(Arrays.asList(statuses));
    List<DeliveryChange> changes = new ArrayList<>(Math.min(limit, 2 * rows.size()));
    for (LoggedChange row : rows) {
      for (DeliveryChange c : row.changes()) {
        if (changes.size() < limit && c.changeId() > after
            && (wanted.isEmpty() || wanted.contains(c.delivery().status().name()))) {
          changes.add(c);
        }
      }
    }
    return changes;
  }

  /**
   * The filters after the account's, and the page's order and size. A row whose state is not wanted may still be
   * read for the creation it stands for, which is pending.
   */
  String FILTERS_AND_PAGE = """
        AND (cardinality(CAST(:webhookIds AS text[])) = 0 OR webhook_id = ANY(CAST(:webhookIds AS text[])))
        AND (cardinality(CAST(:eventTypes AS text[])) = 0 OR event_type = ANY(CAST(:eventTypes AS text[])))
        AND (cardinality(CAST(:statuses AS text[])) = 0 OR status = ANY(CAST(:statuses AS text[]))
            OR created_too AND 'PENDING' = ANY(CAST(:statuses AS text[])))
      ORDER BY change_id LIMIT :limit
      """;

  /** Every account's changes after an id (the feed; an admin's watch of every account). */
  String AFTER = "SELECT * FROM delivery_changes WHERE change_id > :after AND change_id <= :through\n" + FILTERS_AND_PAGE;

  /**
   * One account's changes after an id: read through the account's index ({@code delivery_changes_account}, one
   * probe per day partition, merged in id order), so the cost follows the account's changes, not every account's
   * since the resume point.
   */
  String AFTER_ACCOUNT = "SELECT * FROM delivery_changes WHERE account_id = :accountId AND change_id > :after"
      + " AND change_id <= :through\n" + FILTERS_AND_PAGE;

  /** Every account's next {@code :scan} changes after an id, filtered: a replay page of an admin's watch. */
  String REPLAY = """
      SELECT * FROM (SELECT * FROM delivery_changes WHERE change_id > :after ORDER BY change_id LIMIT :scan) s
      WHERE true
      """ + FILTERS_AND_PAGE;

  /** The account's next {@code :scan} changes after an id, filtered: a replay page (see {@link #AFTER_ACCOUNT}). */
  String REPLAY_ACCOUNT = """
      SELECT * FROM (SELECT * FROM delivery_changes WHERE account_id = :accountId AND change_id > :after
          ORDER BY change_id LIMIT :scan) s
      WHERE true
      """ + FILTERS_AND_PAGE;

  /** The newest change id kept (0 when none); read by the feed's every wake while nobody watches. */
  static long lastId(Handle h) {
    return h.createQuery("SELECT coalesce(max(change_id), 0) FROM delivery_changes").mapTo(Long.class).one();
  }

  /**
   * The newest change id retention removed (0 while none was): a resume position below it may have missed a change,
   * one at or above it has not (the creation a row stands for is just below the row's id). Read after every replay
   * page, so through the fluent API (see {@link Leases}).
   */
  static long prunedThrough(Handle h) {
    return h.createQuery("SELECT through FROM delivery_changes_pruned").mapTo(Long.class).one();
  }

  /** The newest change id ever issued, kept or pruned (resume tokens up to it were handed out). */
  @SqlQuery("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM delivery_changes_change_id_seq")
  long lastIssuedId();
}
