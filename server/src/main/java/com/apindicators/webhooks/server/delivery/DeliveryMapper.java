package com.apindicators.webhooks.server.delivery;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/** Maps a {@code deliveries} row. */
public final class DeliveryMapper implements RowMapper<Delivery> {
  @Override
  public Delivery map(ResultSet rs, StatementContext ctx) throws SQLException {
    return new Delivery(
        rs.getLong("seq"),
        rs.getString("delivery_id"),
        rs.getString("webhook_id"),
        rs.getString("account_id"),
        rs.getString("event_id"),
        rs.getString("event_type"),
        rs.getString("url"),
        DeliveryStatus.valueOf(rs.getString("status")),
        rs.getInt("response_code"),
        rs.getString("response_body"),
        rs.getString("error"),
        rs.getInt("attempt_count"),
        rs.getLong("duration_ms"),
        instant(rs.getTimestamp("create_time")),
        instant(rs.getTimestamp("complete_time")),
        instant(rs.getTimestamp("next_attempt_time")));
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
