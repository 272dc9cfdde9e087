package com.apindicators.webhooks.server.delivery;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Maps a {@code delivery_changes} row; the stream carries no response body (GetDelivery has it). One mapper reads one
 * page, and its changes share one copy of each repeated text (a webhook's URL, up to 2,048 characters, its id, the
 * account, the event type, the error): a stream's buffer holds up to 1,000 updates, and a key up to 100 streams, so
 * before, a key replaying one long-URL webhook into streams it did not read held a copy of the URL per update.
 */
final class DeliveryChangeMapper implements RowMapper<LoggedChange> {
  private final Map<String, String> texts = new HashMap<>();

  private String shared(ResultSet rs, String column) throws SQLException {
    String s = rs.getString(column);
    return s == null ? null : texts.computeIfAbsent(s, k -> k);
  }

  @Override
  public LoggedChange map(ResultSet rs, StatementContext ctx) throws SQLException {
    long id = rs.getLong("change_id");
    Delivery d = new Delivery(0, rs.getString("delivery_id"), shared(rs, "webhook_id"), shared(rs, "account_id"),
        rs.getString("event_id"), shared(rs, "event_type"), shared(rs, "url"),
        DeliveryStatus.valueOf(rs.getString("status")), rs.getInt("response_code"), "", shared(rs, "error"),
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
