package com.apindicators.webhooks.server.registry;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
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
            rs.getDouble("filter_min_score")));
    return new WebhookDao.Listed(rs.getLong("seq"), webhook);
  }

  private static List<String> strings(Array array) throws SQLException {
    return List.of((String[]) array.getArray());
  }
}
