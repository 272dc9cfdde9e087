package com.apindicators.webhooks.server.stream;

import com.apindicators.webhooks.server.delivery.ChangeLog;
import com.apindicators.webhooks.server.delivery.DeliveryChange;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the change log with PostgreSQL LISTEN/NOTIFY and hands new changes to the hub in order, so a watcher
 * on this process sees deliveries made by every process on the database.
 */
public final class ChangeFeed implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeFeed.class);
  private static final int PAGE = 1000;
  private final DataSource dataSource;
  private final Jdbi jdbi;
  private final WatchHub hub;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long seen;

  public ChangeFeed(DataSource dataSource, Jdbi jdbi, WatchHub hub) {
    this.dataSource = dataSource;
    this.jdbi = jdbi;
    this.hub = hub;
    this.seen = hub.lastChangeId();
    this.thread = new Thread(this::run, "delivery-change-feed");
    thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  private void run() {
    while (running) {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(true);
        try (Statement st = c.createStatement()) {
          st.execute("LISTEN " + ChangeLog.CHANNEL);
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        while (running) {
          catchUp();
          // Wakes at a NOTIFY from any process, or after 500 ms as a safety net.
          pg.getNotifications(500);
        }
      } catch (SQLException | RuntimeException e) {
        if (running) {
          log.warn("Change feed lost its connection; reconnecting", e);
          sleep(1000);
        }
      }
    }
  }

  /** The last change id handed to the hub: everything up to it has reached this process's watchers. */
  public long position() {
    return seen;
  }

  private void catchUp() {
    // Nobody on this process watches: reading every change only to drop it would cost a query row per change. The
    // newest id is read outside the hub's lock, so subscribing never waits for the database.
    if (hub.watchers() == 0 && hub.skipIfUnwatched(jdbi.withHandle(ChangeLog::lastId))) {
      seen = hub.lastChangeId();
      return;
    }
    while (true) {
      List<DeliveryChange> page = jdbi.withHandle(
          h -> ChangeLog.after(h, seen, null, new String[0], new String[0], new String[0], PAGE));
      if (page.isEmpty()) {
        return;
      }
      hub.broadcast(page);
      seen = page.get(page.size() - 1).changeId();
      if (page.size() < PAGE) {
        return;
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(5000);
  }
}
