package com.apindicators.webhooks.server.registry;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** SQL for the {@code webhooks} table. */
@RegisterRowMapper(WebhookMapper.class)
public interface WebhookDao {
  String COLUMNS = """
      seq, webhook_id, account_id, name, url, events, enabled, secret_hint, create_time, update_time,
      retry_max_attempts, retry_initial_ms, retry_max_ms, filter_pairs, filter_intervals, filter_min_score
      """;

  @SqlUpdate("""
      INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint,
          retry_max_attempts, retry_initial_ms, retry_max_ms, filter_pairs, filter_intervals, filter_min_score)
      VALUES (:id, :accountId, :name, :url, :events, :secret, :hint,
          :maxAttempts, :initialMs, :maxMs, :pairs, :intervals, :minScore)
      """)
  void insert(@Bind("id") String id, @Bind("accountId") String accountId, @Bind("name") String name,
      @Bind("url") String url, @Bind("events") String[] events, @Bind("secret") String secret,
      @Bind("hint") String hint, @Bind("maxAttempts") int maxAttempts, @Bind("initialMs") long initialMs,
      @Bind("maxMs") long maxMs, @Bind("pairs") String[] pairs, @Bind("intervals") String[] intervals,
      @Bind("minScore") double minScore);

  @SqlQuery("SELECT " + COLUMNS + " FROM webhooks WHERE webhook_id = :id")
  Optional<Listed> find(@Bind("id") String id);

  /** The webhook, locked until the transaction ends. */
  @SqlQuery("SELECT " + COLUMNS + " FROM webhooks WHERE webhook_id = :id FOR UPDATE")
  Optional<Listed> findForUpdate(@Bind("id") String id);

  @SqlQuery("SELECT " + COLUMNS + " FROM webhooks WHERE account_id = :accountId AND seq > :afterSeq ORDER BY seq LIMIT :limit")
  List<Listed> listByAccount(@Bind("accountId") String accountId, @Bind("afterSeq") long afterSeq, @Bind("limit") int limit);

  @SqlQuery("SELECT count(*) FROM webhooks WHERE account_id = :accountId")
  int countByAccount(@Bind("accountId") String accountId);

  @SqlUpdate("""
      UPDATE webhooks SET name = :name, url = :url, events = :events, enabled = :enabled,
          retry_max_attempts = :maxAttempts, retry_initial_ms = :initialMs, retry_max_ms = :maxMs,
          filter_pairs = :pairs, filter_intervals = :intervals, filter_min_score = :minScore, update_time = now()
      WHERE webhook_id = :id
      """)
  int update(@Bind("id") String id, @Bind("name") String name, @Bind("url") String url,
      @Bind("events") String[] events, @Bind("enabled") boolean enabled, @Bind("maxAttempts") int maxAttempts,
      @Bind("initialMs") long initialMs, @Bind("maxMs") long maxMs, @Bind("pairs") String[] pairs,
      @Bind("intervals") String[] intervals, @Bind("minScore") double minScore);

  /** Replaces the secret; the old one keeps signing beside it for 24 hours. */
  @SqlUpdate("""
      UPDATE webhooks SET previous_signing_secret = signing_secret,
          previous_secret_expire_time = now() + interval '24 hours',
          signing_secret = :secret, secret_hint = :hint, update_time = now()
      WHERE webhook_id = :id
      """)
  int setSecret(@Bind("id") String id, @Bind("secret") String secret, @Bind("hint") String hint);

  @SqlQuery("SELECT webhook_id FROM webhooks WHERE signing_secret NOT LIKE 'v1:%'")
  List<String> withPlaintextSecrets();

  @SqlQuery("SELECT signing_secret FROM webhooks WHERE webhook_id = :id")
  String secret(@Bind("id") String id);

  @SqlUpdate("UPDATE webhooks SET signing_secret = :secret WHERE webhook_id = :id")
  int storeSecret(@Bind("id") String id, @Bind("secret") String secret);

  /**
   * Deletes a webhook, its deliveries (by their foreign key) and their attempts (which have none: no foreign keys
   * between day-partitioned tables). An attempt recorded while this runs may outlive it, unreachable, until
   * retention drops its day.
   */
  @SqlUpdate("""
      WITH attempts AS (
        DELETE FROM delivery_attempts a USING deliveries d
        WHERE d.webhook_id = :id AND a.delivery_id = d.delivery_id AND a.delivery_create_time = d.create_time
      )
      DELETE FROM webhooks WHERE webhook_id = :id
      """)
  int delete(@Bind("id") String id);

  /** A webhook with its position in its account's listing order. */
  record Listed(long seq, Webhook webhook) {}
}
