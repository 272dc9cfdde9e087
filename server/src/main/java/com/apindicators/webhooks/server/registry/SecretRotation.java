package com.apindicators.webhooks.server.registry;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * A webhook's signing secrets as a rotation left them, sealed as stored: the new secret, the one it replaced, and
 * when that one stops signing beside it (24 hours after the rotation, which orders rotations of one webhook).
 */
public record SecretRotation(String webhookId, String accountId, String signingSecret, String previousSigningSecret,
    Instant previousExpireTime) {

  /** Its columns, as {@link WebhookDao} reads them. */
  static final String COLUMNS = "webhook_id, account_id, signing_secret, previous_signing_secret,"
      + " previous_secret_expire_time";

  /** Maps {@link #COLUMNS}. */
  public static final class Mapper implements RowMapper<SecretRotation> {
    @Override
    public SecretRotation map(ResultSet rs, StatementContext ctx) throws SQLException {
      return new SecretRotation(rs.getString("webhook_id"), rs.getString("account_id"),
          rs.getString("signing_secret"), rs.getString("previous_signing_secret"),
          rs.getTimestamp("previous_secret_expire_time").toInstant());
    }
  }
}
