package com.apindicators.webhooks.server.store;

import java.sql.SQLException;
import java.util.Optional;

/** What the database said, from the first {@link SQLException} in a failure's chain of causes. */
public final class SqlErrors {
  /** PostgreSQL's {@code lock_not_available}: a lock waited for longer than {@code lock_timeout}. */
  public static final String LOCK_NOT_AVAILABLE = "55P03";

  private SqlErrors() {}

  /** The first SQLException in the chain that carries an SQLSTATE. */
  public static Optional<SQLException> of(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** The SQLSTATE, or null if the failure did not come from the database. */
  public static String state(Throwable e) {
    return of(e).map(SQLException::getSQLState).orElse(null);
  }
}
