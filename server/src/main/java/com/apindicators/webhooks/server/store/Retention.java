package com.apindicators.webhooks.server.store;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the day partitions of events, deliveries, attempts and the change log (migration V9): creates them days
 * ahead and drops whole days past retention, on a timer in every server process (the database functions serialize
 * them with an advisory lock). A day with a pending delivery stays until it is done, so retention never retires
 * a delivery that still has an attempt coming.
 */
public final class Retention implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Retention.class);
  /** Days kept of events, deliveries and attempts by default. */
  public static final int DEFAULT_DAYS = 30;
  /** Days kept of the change log (resume tokens older than it answer OUT_OF_RANGE) by default. */
  public static final int DEFAULT_CHANGE_LOG_DAYS = 7;
  /** The longest retention either may be set to (ten years). */
  public static final int MAX_DAYS = 3650;
  /** Partitions exist for today and this many days after, so a missed run or two cannot stop inserts. */
  public static final int DAYS_AHEAD = 3;
  /** How often each process creates partitions ahead and retires old days. */
  public static final Duration EVERY = Duration.ofHours(1);
  /** How long retiring waits for its table locks before giving up until the next run (queries queue behind it). */
  static final int LOCK_WAIT_MS = 2000;
  private final Jdbi jdbi;
  private final int days;
  private final int changeLogDays;
  /** Ends what is still pending long past the horizon it is given, before days are retired (see the constructor). */
  private final Consumer<Instant> endOverdue;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "retention");
    t.setDaemon(true);
    return t;
  });

  public Retention(Jdbi jdbi, int days, int changeLogDays) {
    this(jdbi, days, changeLogDays, horizon -> { });
  }

  /**
   * As above; before each run retires days, {@code endOverdue} is given the {@link #horizon()} and ends the deliveries
   * still pending long past it, which would hold back their days and every later one (the server's is
   * {@code delivery.OverdueDeliveries}).
   */
  public Retention(Jdbi jdbi, int days, int changeLogDays, Consumer<Instant> endOverdue) {
    if (days < 1 || days > MAX_DAYS || changeLogDays < 1 || changeLogDays > MAX_DAYS) {
      throw new IllegalArgumentException("retention days must be 1-" + MAX_DAYS);
    }
    this.jdbi = jdbi;
    this.days = days;
    this.changeLogDays = changeLogDays;
    this.endOverdue = endOverdue;
  }

  /** Creates the partitions ahead now (inserts need them), then runs every {@link #EVERY}. */
  public void start() {
    createAhead();
    timer.scheduleWithFixedDelay(this::runOnce, 0, EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void runOnce() {
    try {
      createAhead();
      List<String> dropped = retire();
      if (!dropped.isEmpty()) {
        log.info("Retention dropped {} partitions: {}", dropped.size(), dropped);
      }
    } catch (RuntimeException e) {
      log.warn("Partition maintenance failed; trying again in {}", EVERY, e);
    }
  }

  /** Creates the partitions of today (UTC, on the database's clock) and {@link #DAYS_AHEAD} days after, if missing. */
  public int createAhead() {
    return jdbi.withHandle(h -> h.createQuery("""
        SELECT webhooks_create_partitions((now() AT TIME ZONE 'UTC')::date, (now() AT TIME ZONE 'UTC')::date + :ahead)
        """).bind("ahead", DAYS_AHEAD).mapTo(Integer.class).one());
  }

  /**
   * Ends what is pending long past retention (see the constructor), then drops the days past retention (oldest
   * first, stopping at a day something pending still needs) and the change log's days past its own; returns the
   * partitions dropped.
   */
  public List<String> retire() {
    try {
      endOverdue.accept(horizon());
    } catch (RuntimeException e) {
      log.warn("Ending the deliveries pending long past retention failed; the days they hold stay until the next run", e);
    }
    List<String> detached = jdbi.inTransaction(h -> h.createQuery("SELECT * FROM webhooks_retire(:days, :changeLogDays, :lockMs)")
        .bind("days", days).bind("changeLogDays", changeLogDays).bind("lockMs", LOCK_WAIT_MS)
        .mapTo(String.class).list());
    // Detached and committed first, so that the tables are locked only for the catalog change, not while the
    // dropped days' files are freed.
    jdbi.useHandle(h -> h.createQuery("SELECT * FROM webhooks_drop_detached()").mapTo(String.class).list());
    return detached;
  }

  /** The start of the oldest day kept: rows created before it may have been retired. */
  public Instant horizon() {
    return Instant.now().minus(days, ChronoUnit.DAYS).atOffset(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).toInstant();
  }

  /** Whether a row created then is past the {@link #horizon()}: retired, or about to be. */
  public boolean agedOut(Instant created) {
    return created.isBefore(horizon());
  }

  /**
   * When a row created then is past the {@link #horizon()}: from then on its day may be retired (at the next hourly
   * run that finds nothing pending needing it).
   */
  public Instant agesOutAt(Instant created) {
    return created.atOffset(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).plusDays(days + 1L).toInstant();
  }

  /** Days kept of events, deliveries and attempts. */
  public int days() {
    return days;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
