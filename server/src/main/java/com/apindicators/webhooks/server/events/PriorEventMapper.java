package com.apindicators.webhooks.server.events;

import java.sql.ResultSet;
import java.sql.SQLException;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/** Maps an {@code events} row. */
public final class PriorEventMapper implements RowMapper<EventDao.PriorEvent> {
  @Override
  public EventDao.PriorEvent map(ResultSet rs, StatementContext ctx) throws SQLException {
    PublishedEvent e = new PublishedEvent(rs.getString("event_id"), rs.getString("type"), rs.getString("account_id"),
        rs.getTimestamp("event_time").toInstant(), rs.getString("data_json"));
    return new EventDao.PriorEvent(e, rs.getString("request_hash"), rs.getInt("deliveries_created"), rs.getLong("seq"));
  }
}
