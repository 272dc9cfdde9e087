package com.apindicators.webhooks.server.registry;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/** Maps a {@code webhooks} row to a {@link Webhook} and its listing position. */
public final class WebhookMapper implements RowMapper<WebhookDao.Listed> {
  @Override
  public WebhookDao.Listed map(ResultSet rs, StatementContext ctx) throws SQLException {
    Webhook webhook = new Webhook(
        rs.getString("webhook_id"),
        rs.getString("account_id"),
        rs.getString("name"),
        rs.getString("url"),
        strings(rs.getArray("events")),
        rs.getBoolean("enabled"),
        rs.getString("secret_hint"),
        rs.getTimestamp("create_time").toInstant(),
        rs.getTimestamp("update_time").toInstant(),
        new RetrySettings(rs.getInt("retry_max_attempts"),
            Duration.ofMillis(rs.getLong("retry_initial_ms")), Duration.ofMillis(rs.getLong("retry_max_ms"))),
        new EventFilter(strings(rs.getArray("filter_pairs")), strings(rs.getArray("filter_intervals")),
            rs.getDouble("filter_min_score")),
        disablePolicy(rs),
        rs.getString("disabled_reason"),
        instant(rs.getTimestamp("disabled_time")),
        health(rs),
        rs.getBoolean("being_deleted"));
    return new WebhookDao.Listed(rs.getLong("seq"), webhook);
  }

  private static DisablePolicy disablePolicy(ResultSet rs) throws SQLException {
    long afterMs = rs.getLong("disable_after_ms");
    Duration after = rs.wasNull() ? null : Duration.ofMillis(afterMs);
    return new DisablePolicy(after, rs.getInt("disable_after_failures"));
  }

  /** The health row's figures; a webhook without one (none recorded yet) has none. */
  private static WebhookHealth health(ResultSet rs) throws SQLException {
    Array recent = rs.getArray("recent_ok");
    if (recent == null) {
      return WebhookHealth.NONE;
    }
    return WebhookHealth.of(rs.getString("last_status"), instant(rs.getTimestamp("last_time")),
        (Boolean[]) recent.getArray(), (Integer[]) rs.getArray("recent_ms").getArray(),
        rs.getInt("consecutive_failures"), instant(rs.getTimestamp("failing_since")));
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }

  private static List<String> strings(Array array) throws SQLException {
    return List.of((String[]) array.getArray());
  }
}
