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
  /** A webhook's columns with its health row's, and the join they come from (queries add only WHERE and after). */
  String COLUMNS = """
      seq, webhook_id, account_id, name, url, events, enabled, secret_hint, create_time, update_time,
      retry_max_attempts, retry_initial_ms, retry_max_ms, filter_pairs, filter_intervals, filter_min_score,
      disable_after_ms, disable_after_failures, disabled_reason, disabled_time,
      recent_ok, recent_ms, last_status, last_time, consecutive_failures, failing_since,
      coalesce(deleting_until > now(), false) AS being_deleted
      FROM webhooks w LEFT JOIN webhook_health h USING (webhook_id)
      """;

  /**
   * Whether webhook {@code w} takes events at all: enabled, and not being deleted (a delete marks it at each step
   * for a while, {@link WebhookDeletes#DELETE_MARK}). A publish, resend or redelivery that starts after the mark
   * therefore neither makes deliveries for a webhook whose deliveries are being deleted nor locks it: publishes that
   * kept overlapping held a delete's last step back for good before (new {@code KEY SHARE} locks do not queue behind
   * a waiting delete).
   */
  String TAKES_EVENTS = "w.enabled AND (w.deleting_until IS NULL OR w.deleting_until <= now())";

  @SqlUpdate("""
      INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint,
          retry_max_attempts, retry_initial_ms, retry_max_ms, filter_pairs, filter_intervals, filter_min_score,
          disable_after_ms, disable_after_failures)
      VALUES (:id, :accountId, :name, :url, :events, :secret, :hint,
          :maxAttempts, :initialMs, :maxMs, :pairs, :intervals, :minScore, :disableAfterMs, :disableAfterFailures)
      """)
  void insert(@Bind("id") String id, @Bind("accountId") String accountId, @Bind("name") String name,
      @Bind("url") String url, @Bind("events") String[] events, @Bind("secret") String secret,
      @Bind("hint") String hint, @Bind("maxAttempts") int maxAttempts, @Bind("initialMs") long initialMs,
      @Bind("maxMs") long maxMs, @Bind("pairs") String[] pairs, @Bind("intervals") String[] intervals,
      @Bind("minScore") double minScore, @Bind("disableAfterMs") Long disableAfterMs,
      @Bind("disableAfterFailures") Integer disableAfterFailures);

  /** The webhook's health row, which the result writer only ever updates. */
  @SqlUpdate("INSERT INTO webhook_health (webhook_id) VALUES (:id)")
  void insertHealth(@Bind("id") String id);

  /**
   * Locks the webhook's health row, before the webhook row, as the result writer's health statement does. The
   * writer locks the webhook's deliveries before both, which no lock order here can match: callers run again when
   * PostgreSQL breaks such a deadlock ({@code store.Conflicts}).
   */
  @SqlQuery("SELECT webhook_id FROM webhook_health WHERE webhook_id = :id FOR UPDATE")
  Optional<String> lockHealth(@Bind("id") String id);

  /** Forgets the run of failures, as re-enabling does; the recent attempts stay. */
  @SqlUpdate("UPDATE webhook_health SET consecutive_failures = 0, failing_since = NULL WHERE webhook_id = :id")
  int clearFailures(@Bind("id") String id);

  @SqlQuery("SELECT " + COLUMNS + " WHERE webhook_id = :id")
  Optional<Listed> find(@Bind("id") String id);

  @SqlQuery("SELECT " + COLUMNS + " WHERE webhook_id = ANY(:ids)")
  List<Listed> findAll(@Bind("ids") String[] ids);

  /**
   * The webhook, locked against other changes until the transaction ends; a publish reading it as a target is not
   * held up ({@code NO KEY}: its id stays, see {@code EventDao.LOCK_TARGETS}).
   */
  @SqlQuery("SELECT " + COLUMNS + " WHERE webhook_id = :id FOR NO KEY UPDATE OF w")
  Optional<Listed> findForUpdate(@Bind("id") String id);

  @SqlQuery("SELECT " + COLUMNS + " WHERE account_id = :accountId AND seq > :afterSeq ORDER BY seq LIMIT :limit")
  List<Listed> listByAccount(@Bind("accountId") String accountId, @Bind("afterSeq") long afterSeq, @Bind("limit") int limit);

  @SqlQuery("SELECT count(*) FROM webhooks WHERE account_id = :accountId")
  int countByAccount(@Bind("accountId") String accountId);

  @SqlUpdate("""
      UPDATE webhooks SET name = :name, url = :url, events = :events, enabled = :enabled,
          retry_max_attempts = :maxAttempts, retry_initial_ms = :initialMs, retry_max_ms = :maxMs,
          filter_pairs = :pairs, filter_intervals = :intervals, filter_min_score = :minScore,
          disable_after_ms = :disableAfterMs, disable_after_failures = :disableAfterFailures,
          disabled_reason = CASE WHEN :enabled THEN '' WHEN enabled THEN :disabledReason ELSE disabled_reason END,
          disabled_time = CASE WHEN :enabled THEN NULL WHEN enabled THEN now() ELSE disabled_time END,
          update_time = now()
      WHERE webhook_id = :id
      """)
  int update(@Bind("id") String id, @Bind("name") String name, @Bind("url") String url,
      @Bind("events") String[] events, @Bind("enabled") boolean enabled, @Bind("maxAttempts") int maxAttempts,
      @Bind("initialMs") long initialMs, @Bind("maxMs") long maxMs, @Bind("pairs") String[] pairs,
      @Bind("intervals") String[] intervals, @Bind("minScore") double minScore,
      @Bind("disableAfterMs") Long disableAfterMs, @Bind("disableAfterFailures") Integer disableAfterFailures,
      @Bind("disabledReason") String disabledReason);

  /**
   * Replaces the secret; the old one keeps signing beside it for 24 hours. Empty if there is no such webhook. The
   * expiry is taken when the row is written ({@code clock_timestamp()}, evaluated again after waiting for another
   * rotation's lock), so of two rotations of one webhook the one written last expires last: the expiry orders them.
   */
  @SqlQuery("""
      UPDATE webhooks SET previous_signing_secret = signing_secret,
          previous_secret_expire_time = clock_timestamp() + interval '24 hours',
          signing_secret = :secret, secret_hint = :hint, update_time = now()
      WHERE webhook_id = :id
      """ + "RETURNING " + SecretRotation.COLUMNS)
  @RegisterRowMapper(SecretRotation.Mapper.class)
  Optional<SecretRotation> setSecret(@Bind("id") String id, @Bind("secret") String secret, @Bind("hint") String hint);

  /**
   * The webhooks whose secret was rotated in the last {@code withinMs} (by the database's clock), newest first, at
   * most {@code perAccount} of one account and {@code limit} in all (read through {@code webhooks_secret_rotated}).
   */
  @SqlQuery("SELECT " + SecretRotation.COLUMNS + " FROM (SELECT " + SecretRotation.COLUMNS + ",\n" + """
          row_number() OVER (PARTITION BY account_id ORDER BY previous_secret_expire_time DESC) AS n
        FROM webhooks
        WHERE previous_secret_expire_time > now() + interval '24 hours' - :withinMs * interval '1 millisecond'
      ) r
      WHERE n <= :perAccount
      ORDER BY previous_secret_expire_time DESC LIMIT :limit
      """)
  @RegisterRowMapper(SecretRotation.Mapper.class)
  List<SecretRotation> rotatedWithin(@Bind("withinMs") long withinMs, @Bind("perAccount") int perAccount,
      @Bind("limit") int limit);

  @SqlQuery("SELECT webhook_id FROM webhooks WHERE signing_secret NOT LIKE 'v1:%'")
  List<String> withPlaintextSecrets();

  @SqlQuery("SELECT signing_secret FROM webhooks WHERE webhook_id = :id")
  String secret(@Bind("id") String id);

  @SqlUpdate("UPDATE webhooks SET signing_secret = :secret WHERE webhook_id = :id")
  int storeSecret(@Bind("id") String id, @Bind("secret") String secret);

  /**
   * Marks the account's webhook as being deleted for {@code ms} from now: publishes skip it meanwhile
   * ({@link #TAKES_EVENTS}). Committed on its own before the step it precedes, so that publishes starting
   * after it see it. Its lock ({@code NO KEY UPDATE}) does not conflict with a publish's ({@code KEY SHARE}): it waits
   * for a change of the webhook in progress, or behind another process's delete of it. Returns the mark (as text,
   * with its offset), or empty if there is no such webhook.
   */
  @SqlQuery("""
      UPDATE webhooks SET deleting_until = now() + :ms * interval '1 millisecond'
      WHERE webhook_id = :id AND account_id = :accountId
      RETURNING CAST(deleting_until AS text)
      """)
  Optional<String> markDeleting(@Bind("id") String id, @Bind("accountId") String accountId, @Bind("ms") long ms);

  /**
   * Clears the mark {@link #markDeleting} returned, if it is still the webhook's: publishes reach the webhook again.
   * A mark set since (another process deleting the webhook) stays.
   */
  @SqlUpdate("""
      UPDATE webhooks SET deleting_until = NULL
      WHERE webhook_id = :id AND account_id = :accountId AND deleting_until = CAST(:mark AS timestamptz)
      """)
  int unmarkDeleting(@Bind("id") String id, @Bind("accountId") String accountId, @Bind("mark") String mark);

  /**
   * Deletes up to {@code limit} of a webhook's deliveries and their attempts, skipping rows another transaction
   * holds (the result writer recording an outcome): it never waits for a row lock, so it cannot deadlock. Returns
   * how many it deleted.
   */
  @SqlUpdate("""
      WITH doomed AS (
        SELECT delivery_id, create_time FROM deliveries WHERE webhook_id = :id LIMIT :limit FOR UPDATE SKIP LOCKED
      ), attempts AS (
        DELETE FROM delivery_attempts a USING doomed d
        WHERE a.delivery_id = d.delivery_id AND a.delivery_create_time = d.create_time
      )
      DELETE FROM deliveries x USING doomed d WHERE x.delivery_id = d.delivery_id AND x.create_time = d.create_time
      """)
  int deleteSomeDeliveries(@Bind("id") String id, @Bind("limit") int limit);

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
