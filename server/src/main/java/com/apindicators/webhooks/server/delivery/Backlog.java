package com.apindicators.webhooks.server.delivery;

import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database-wide backlog for the metrics: due deliveries nobody has claimed, how long the oldest due delivery
 * has waited, retries scheduled, and how far this process's change feed is behind the change log. One statement
 * of index probes, run at most once per {@link #MIN_INTERVAL_NANOS} however often the metrics are scraped, and not
 * while the database is known to be down (the values are then left out of the scrape).
 */
public final class Backlog {
  private static final Logger log = LoggerFactory.getLogger(Backlog.class);
  /** Counts stop here, so a scrape stays cheap however large the backlog (a count at the cap means "at least"). */
  public static final int COUNT_CAP = 100_000;
  static final long MIN_INTERVAL_NANOS = 1_000_000_000L;
  private final Jdbi jdbi;
  private final LongSupplier feedPosition;
  private final BooleanSupplier databaseUp;
  private Sample last;
  private long lastNanos;

  /** One reading. */
  public record Sample(long due, double oldestDueAgeSeconds, long retriesScheduled, double changeFeedLagSeconds) {
    static final Sample UNKNOWN = new Sample(-1, Double.NaN, -1, Double.NaN);
  }

  /** The statement. */
  public interface Dao {
    /**
     * Due and unclaimed through {@code deliveries_account_due} (only unleased pending rows), the oldest due one
     * through the ordered {@code deliveries_due}, scheduled retries as a range of it, the feed's lag through the
     * change log's primary key.
     */
    @SqlQuery("""
        SELECT
          (SELECT count(*) FROM (SELECT 1 FROM deliveries
             WHERE status = 'PENDING' AND lease_owner IS NULL AND next_attempt_time <= now() LIMIT :cap) d) AS due,
          coalesce((SELECT extract(epoch FROM clock_timestamp() - min(next_attempt_time)) FROM deliveries
             WHERE status = 'PENDING' AND next_attempt_time <= now()), 0) AS oldest_due_age_seconds,
          (SELECT count(*) FROM (SELECT 1 FROM deliveries
             WHERE status = 'PENDING' AND next_attempt_time > now() LIMIT :cap) r) AS retries_scheduled,
          coalesce((SELECT extract(epoch FROM clock_timestamp() - change_time) FROM delivery_changes
             WHERE change_id > :seen ORDER BY change_id LIMIT 1), 0) AS change_feed_lag_seconds
        """)
    @RegisterConstructorMapper(Sample.class)
    Sample read(@Bind("cap") int cap, @Bind("seen") long seen);
  }

  /**
   * @param feedPosition the last change id this process's feed handed to its watchers
   * @param databaseUp whether the database is reachable (no query while it is not)
   */
  public Backlog(Jdbi jdbi, LongSupplier feedPosition, BooleanSupplier databaseUp) {
    this.jdbi = jdbi;
    this.feedPosition = feedPosition;
    this.databaseUp = databaseUp;
  }

  /** The latest reading, taken now if the last is older than a second; UNKNOWN values while it cannot be read. */
  public synchronized Sample sample() {
    long now = System.nanoTime();
    if (last != null && now - lastNanos < MIN_INTERVAL_NANOS) {
      return last;
    }
    lastNanos = now;
    last = Sample.UNKNOWN;
    if (databaseUp.getAsBoolean()) {
      try {
        last = jdbi.withExtension(Dao.class, d -> d.read(COUNT_CAP, feedPosition.getAsLong()));
      } catch (RuntimeException e) {
        log.debug("Reading the backlog for the metrics failed", e);
      }
    }
    return last;
  }
}
