package com.apindicators.webhooks.server.events;

import com.apindicators.webhooks.server.delivery.DeliveryJobMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/** Maps a row of {@link EventDao#publish}: the new event's id, whether it was stored, and the delivery if any. */
public final class PublishRowMapper implements RowMapper<EventDao.PublishRow> {
  private final DeliveryJobMapper jobs = new DeliveryJobMapper();

  @Override
  public EventDao.PublishRow map(ResultSet rs, StatementContext ctx) throws SQLException {
    return new EventDao.PublishRow(rs.getString("new_event_id"), rs.getBoolean("stored"),
        rs.getString("delivery_id") == null ? null : jobs.map(rs, ctx));
  }
}
