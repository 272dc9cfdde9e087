package com.apindicators.webhooks.server.store;

import java.sql.SQLException;

/** What PostgreSQL's error says: its SQLState, and whether it belongs to the data sent rather than to the database. */
public final class SqlErrors {
  private SqlErrors() {}

  /** The SQLState of the first SQL exception in the cause chain, or null. */
  public static String state(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null) {
        return s.getSQLState();
      }
    }
    return null;
  }

  /**
   * Data exceptions (22) and integrity violations (23): the statement was refused for what it carried, and nothing
   * of it was written. Sent again without the offending row, the rest succeeds.
   */
  public static boolean isBadData(Throwable e) {
    String state = state(e);
    return state != null && (state.startsWith("22") || state.startsWith("23"));
  }
}
