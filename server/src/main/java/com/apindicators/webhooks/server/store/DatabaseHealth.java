package com.apindicators.webhooks.server.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows whether the database answers: pings it every {@code interval} on its own thread and reports each change
 * (up to down, down to up) once, so calls can fail fast while it is unreachable and health can say so.
 */
public final class DatabaseHealth implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DatabaseHealth.class);
  /** A ping that takes longer than this counts as a failure. */
  static final int PING_TIMEOUT_SECONDS = 2;
  private final DataSource dataSource;
  private final long intervalMs;
  private final Consumer<Boolean> onChange;
  private final Thread thread;
  private volatile boolean up = true;
  private volatile boolean running = true;
  private final java.util.concurrent.atomic.AtomicLong failedPings = new java.util.concurrent.atomic.AtomicLong();

  /** @param onChange called with the new state after each change, on the health thread */
  public DatabaseHealth(DataSource dataSource, long intervalMs, Consumer<Boolean> onChange) {
    this.dataSource = dataSource;
    this.intervalMs = intervalMs;
    this.onChange = onChange;
    this.thread = new Thread(this::run, "database-health");
    thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  /** How many pings failed so far (the database unreachable, or the pool too busy to lend a connection). */
  long failedPings() {
    return failedPings.get();
  }

  /** Whether the database is taken to be reachable. */
  public boolean isUp() {
    return up;
  }

  private void run() {
    while (running) {
      boolean now = ping();
      if (now != up && running) {
        up = now;
        if (now) {
          log.info("Database reachable again; serving");
        } else {
          log.warn("Database unreachable; calls answer UNAVAILABLE until it is back");
        }
        onChange.accept(now);
      }
      try {
        Thread.sleep(intervalMs);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Whether a failure means the database could not be reached (no connection, connection lost, server shutting
   * down), as opposed to a statement it refused.
   */
  public static boolean isConnectionFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.sql.SQLTransientConnectionException || t instanceof org.jdbi.v3.core.ConnectionException) {
        return true;
      }
      if (t instanceof SQLException s && s.getSQLState() != null
          && (s.getSQLState().startsWith("08") || s.getSQLState().startsWith("57P"))) {
        return true;
      }
    }
    return false;
  }

  private boolean ping() {
    try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
      st.setQueryTimeout(PING_TIMEOUT_SECONDS);
      st.execute("SELECT 1");
      return true;
    } catch (SQLException | RuntimeException e) {
      failedPings.incrementAndGet();
      // A pool too busy to lend a connection in time is a loaded database, not a lost one: stay as we were.
      return !isUnreachable(e) && up;
    }
  }

  /** Whether a failure says the database itself could not be reached (refused, lost, shutting down). */
  static boolean isUnreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return true;
      }
      if (t instanceof SQLException s && s.getSQLState() != null
          && (s.getSQLState().startsWith("08") || s.getSQLState().startsWith("57P"))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(5_000);
  }
}
