package com.apindicators.webhooks.server.delivery;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/** Maps a {@code delivery_changes} row; the stream carries no response body (GetDelivery has it). */
final class DeliveryChangeMapper implements RowMapper<LoggedChange> {
  @Override
  public LoggedChange map(ResultSet rs, StatementContext ctx) throws SQLException {
    long id = rs.getLong("change_id");
    Delivery d = new Delivery(0, rs.getString("delivery_id"), rs.getString("webhook_id"), rs.getString("account_id"),
        rs.getString("event_id"), rs.getString("event_type"), rs.getString("url"),
        DeliveryStatus.valueOf(rs.getString("status")), rs.getInt("response_code"), "", rs.getString("error"),
        rs.getInt("attempt_count"), rs.getLong("duration_ms"), instant(rs.getTimestamp("create_time")),
        instant(rs.getTimestamp("complete_time")), instant(rs.getTimestamp("next_attempt_time")));
    String disabledReason = rs.getString("webhook_disabled_reason");
    return new LoggedChange(new DeliveryChange(id, d, disabledReason == null ? null
        : new DeliveryChange.WebhookDisabled(disabledReason, instant(rs.getTimestamp("webhook_disabled_time")))),
        rs.getBoolean("created_too"));
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
