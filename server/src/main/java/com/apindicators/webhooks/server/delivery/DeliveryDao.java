package com.apindicators.webhooks.server.delivery;

import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import com.apindicators.webhooks.server.registry.WebhookDao;
import com.apindicators.webhooks.server.store.Ids;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/** SQL for {@code deliveries} and {@code delivery_attempts}: reading the log, and redelivering (claims and results: {@link Leases}). */
@RegisterRowMapper(DeliveryMapper.class)
@RegisterRowMapper(DeliveryJobMapper.class)
public interface DeliveryDao {
  /**
   * Makes a delivery pending again for one more attempt, leased to this node; empty if it is pending already, its
   * webhook takes no events (disabled, or being deleted: {@link WebhookDao#TAKES_EVENTS}), or its event is no longer
   * kept (a pending delivery without its event could never be sent, nor its day retired). Its final attempt, kept on
   * its row alone (see {@link Leases#recordOutcomes}), is logged in {@code delivery_attempts} by the update, before the
   * next attempt takes the row's place (trigger {@code deliveries_log_final_attempt}, V13).
   */
  @SqlQuery("""
      WITH claimed AS (
        UPDATE deliveries d SET status = 'PENDING', url = w.url, complete_time = NULL, next_attempt_time = now(),
            max_attempts = GREATEST(d.max_attempts, d.attempt_count + 1),
            lease_owner = :node, lease_until = now() + :leaseMs * interval '1 millisecond'
        FROM webhooks w
        WHERE d.delivery_id = :id AND d.create_time >= :from AND d.create_time < :until
          AND w.webhook_id = d.webhook_id AND d.status <> 'PENDING' AND\s""" + WebhookDao.TAKES_EVENTS + "\n" + """
          AND EXISTS (SELECT 1 FROM events e WHERE e.event_id = d.event_id
              AND e.create_time >= webhooks_id_from(d.event_id) AND e.create_time < webhooks_id_until(d.event_id))
        RETURNING d.*
      )
      """ + Leases.JOB)
  Optional<DeliveryJob> redeliver(@Bind("id") String id, @Bind("node") String node, @Bind("leaseMs") long leaseMs,
      @BindMethods Ids.Span span);

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

  /** A delivery's attempts after an attempt number, oldest first: those logged, and the final one on its row (V13). */
  @SqlQuery("""
      SELECT attempt, start_time, duration_ms, response_code, response_body, error FROM delivery_attempt_log
      WHERE delivery_id = :id AND attempt > :after
        AND delivery_create_time >= :from AND delivery_create_time < :until
      ORDER BY attempt LIMIT :limit
      """)
  @RegisterConstructorMapper(DeliveryAttempt.class)
  List<DeliveryAttempt> attempts(@Bind("id") String deliveryId, @Bind("after") int after, @Bind("limit") int limit,
      @BindMethods Ids.Span span);
}
