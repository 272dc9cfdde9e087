package com.apindicators.webhooks.server;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.jdbi.v3.core.Jdbi;

/**
 * Writes events, deliveries, attempts and changes dated in the past, as if made on that day: their ids carry that
 * time (as the database's webhooks_time_id makes them) and their day's partitions exist.
 */
public final class OldRows {
  private final Jdbi jdbi;

  public OldRows(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** Noon (UTC) of the day {@code days} days before today. */
  public static Instant noonDaysAgo(int days) {
    return LocalDate.now(ZoneOffset.UTC).minusDays(days).atTime(12, 0).toInstant(ZoneOffset.UTC);
  }

  /** Creates the partitions of the day of {@code at}, as the server would have then. */
  public void partitionsFor(Instant at) {
    jdbi.useHandle(h -> h.createQuery("SELECT webhooks_create_partitions(CAST(:d AS date), CAST(:d AS date))")
        .bind("d", at.atOffset(ZoneOffset.UTC).toLocalDate().toString()).mapTo(Integer.class).one());
  }

  /** An account's signal.buy event created at that time; returns its id. */
  public String event(String accountId, Instant at) {
    partitionsFor(at);
    return jdbi.withHandle(h -> h.createQuery("""
        INSERT INTO events (event_id, type, account_id, event_time, data_json, create_time)
        VALUES (webhooks_time_id('evt_', :at), 'signal.buy', :account, :at,
            '{"pair":"BTCUSDT","side":"buy","score":0.9,"market_type":"trending","interval":"1h"}', :at)
        RETURNING event_id
        """).bind("at", Timestamp.from(at)).bind("account", accountId).mapTo(String.class).one());
  }

  /**
   * A delivery of the event to a webhook created at that time, with one failed attempt, and its change; PENDING
   * (next attempt at {@code next}) or, with {@code next} null, DELIVERED. Returns its id.
   */
  public String delivery(String eventId, String webhookId, Instant at, Instant next) {
    partitionsFor(at);
    return jdbi.withHandle(h -> {
      String id = h.createQuery("""
          INSERT INTO deliveries (delivery_id, event_id, webhook_id, account_id, event_type, url, status, attempt_count,
              max_attempts, retry_initial_ms, retry_max_ms, create_time, next_attempt_time, complete_time)
          SELECT webhooks_time_id('dlv_', :at), :event, w.webhook_id, w.account_id, 'signal.buy', w.url,
              CASE WHEN CAST(:next AS timestamptz) IS NULL THEN 'DELIVERED' ELSE 'PENDING' END, 1, 5, 1000, 60000,
              :at, :next, CASE WHEN CAST(:next AS timestamptz) IS NULL THEN CAST(:at AS timestamptz) END
          FROM webhooks w WHERE w.webhook_id = :webhook
          RETURNING delivery_id
          """).bind("at", Timestamp.from(at)).bind("event", eventId).bind("webhook", webhookId)
          .bind("next", next == null ? null : Timestamp.from(next)).mapTo(String.class).one();
      h.createUpdate("""
          INSERT INTO delivery_attempts (delivery_id, attempt, start_time, duration_ms, response_code, response_body,
              error, delivery_create_time)
          VALUES (:id, 1, :at, 5, 503, 'busy', 'HTTP 503', :at)
          """).bind("id", id).bind("at", Timestamp.from(at)).execute();
      h.createUpdate("""
          INSERT INTO delivery_changes (delivery_id, webhook_id, account_id, event_id, event_type, url, status,
              response_code, error, attempt_count, duration_ms, create_time, complete_time, next_attempt_time, change_time)
          SELECT delivery_id, webhook_id, account_id, event_id, event_type, url, status, response_code, error,
              attempt_count, duration_ms, create_time, complete_time, next_attempt_time, create_time
          FROM deliveries WHERE delivery_id = :id
          """).bind("id", id).execute();
      return id;
    });
  }

  /** Whether a table exists (a partition, say). */
  public boolean exists(String table) {
    return jdbi.withHandle(h -> h.createQuery("SELECT to_regclass(:t) IS NOT NULL").bind("t", table)
        .mapTo(Boolean.class).one());
  }

  /** A table's day partition for the day of that time, e.g. deliveries_p20261020. */
  public static String partition(String table, Instant at) {
    return table + "_p" + at.atOffset(ZoneOffset.UTC).toLocalDate().toString().replace("-", "");
  }
}
