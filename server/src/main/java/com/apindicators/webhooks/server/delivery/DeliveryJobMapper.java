package com.apindicators.webhooks.server.delivery;

import java.sql.ResultSet;
import java.sql.SQLException;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/** Maps a delivery joined with its event and webhook secret to a {@link DeliveryJob} for its next attempt. */
public final class DeliveryJobMapper implements RowMapper<DeliveryJob> {
  /**
   * The job's {@code secrets_as_of} (see {@link DeliveryJob}), read with its webhook {@code w}'s secrets: its latest
   * rotation's stamp (the previous secret's expiry, which orders rotations), the epoch if it was never rotated.
   */
  public static final String SECRETS_AS_OF =
      "coalesce(w.previous_secret_expire_time, CAST('epoch' AS timestamptz)) AS secrets_as_of";

  @Override
  public DeliveryJob map(ResultSet rs, StatementContext ctx) throws SQLException {
    return new DeliveryJob(
        rs.getString("delivery_id"),
        rs.getString("webhook_id"),
        rs.getString("account_id"),
        rs.getString("url"),
        rs.getString("signing_secret"),
        rs.getString("previous_signing_secret"),
        rs.getString("event_type"),
        rs.getTimestamp("event_time").toInstant(),
        rs.getString("data_json"),
        rs.getInt("attempt_count") + 1,
        rs.getInt("max_attempts"),
        rs.getLong("retry_initial_ms"),
        rs.getLong("retry_max_ms"),
        rs.getTimestamp("secrets_as_of").toInstant());
  }
}
