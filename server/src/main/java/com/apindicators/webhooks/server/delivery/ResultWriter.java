package com.apindicators.webhooks.server.delivery;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import com.apindicators.webhooks.server.store.SqlErrors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the delivery log in batches, one transaction per batch, on its own thread: attempt outcomes, the
 * change-log entries of new deliveries and of every outcome, and this node's lease releases (after what was queued
 * before them). Publishing and sending wait for it only when its
 * bounded queue is full, and only this short transaction takes the change log's ordering lock. A batch the
 * database refuses for its data is split until the refused rows are alone; those are recorded as failed with the
 * reason, so one tenant's row never costs another tenant its results. Each batch also moves every webhook's health
 * row on and applies disable policies ({@link EndpointHealth}). The creation of a delivery sent here is held a while
 * for its first outcome, so that both are one change-log row ({@link HeldCreations}).
 */
public final class ResultWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResultWriter.class);
  static final int MAX_BATCH = 1000;
  /** Results and creations waiting at most; beyond it, submitters wait (back-pressure on sending and publishing). */
  public static final int MAX_QUEUED = 20_000;
  /**
   * How long one call to {@link #release} waits for room in the queue in all: a lease not released runs out by
   * itself, so a stop or a poller never waits on a writer that cannot write (the database down).
   */
  static final Duration RELEASE_WAIT = Duration.ofSeconds(1);
  /**
   * How long the creation of a delivery being sent here may wait for its first outcome, to be written with it as one
   * change-log row instead of two (the stream shows the creation that much later, at most). Long enough for a
   * delivery queued behind a burst in the dispatcher.
   */
  static final Duration CREATION_WAIT = Duration.ofSeconds(1);
  /** Creations held for their outcome at most (see {@link HeldCreations}); beyond it, they are written at once. */
  static final int MAX_HELD = 10_000;
  /** Tries for an error that is neither bad data nor a lost connection (or for any error once closing). */
  private static final int MAX_TRIES = 5;
  private static final long MAX_BACKOFF_MS = 5_000;
  private final Jdbi jdbi;
  private final String nodeId;
  // FIFO: a delivery's creation is always queued before its first outcome.
  private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(MAX_QUEUED);
  private final AtomicLong stale = new AtomicLong();
  private final AtomicLong setAside = new AtomicLong();
  private final AtomicLong released = new AtomicLong();
  private final AtomicLong createdWithOutcomes = new AtomicLong();
  private final IntConsumer batchWritten;
  private final HeldCreations held;
  private final Thread thread;
  private volatile boolean running = true;
  /** When the oldest item taken off the queue and not yet written (being written, or held) was queued; 0 if none. */
  private volatile long writingSinceNanos;

  /**
   * One of: an outcome to record; a newly created delivery whose "pending" change to log (and whose lease to release
   * then, if {@code release}); a lease of this node to release ({@code releasedId}). And when queued.
   */
  record Item(Outcome outcome, String createdId, boolean release, String releasedId, long queuedNanos) {
    Item(Outcome outcome, String createdId) {
      this(outcome, createdId, false, null, System.nanoTime());
    }

    /** The lease this item releases, if any. */
    String releases() {
      return releasedId != null ? releasedId : release ? createdId : null;
    }
  }

  /** @param nodeId the lease owner this node's outcomes must still match to be recorded */
  public ResultWriter(Jdbi jdbi, String nodeId) {
    this(jdbi, nodeId, rows -> { });
  }

  /** @param batchWritten told the number of rows of each transaction written */
  public ResultWriter(Jdbi jdbi, String nodeId, IntConsumer batchWritten) {
    this(jdbi, nodeId, batchWritten, CREATION_WAIT);
  }

  /**
   * How long a creation may wait for its first outcome with leases this long: {@link #CREATION_WAIT}, or a quarter of
   * the lease if shorter (a creation still held when the lease runs out could be logged after another process's
   * outcome for the delivery).
   */
  public static Duration creationWait(Duration lease) {
    Duration quarter = lease.dividedBy(4);
    return quarter.compareTo(CREATION_WAIT) < 0 ? quarter : CREATION_WAIT;
  }

  /** @param creationWait how long a creation may wait for its first outcome (see {@link #creationWait}) */
  public ResultWriter(Jdbi jdbi, String nodeId, IntConsumer batchWritten, Duration creationWait) {
    this.jdbi = jdbi;
    this.nodeId = nodeId;
    this.batchWritten = batchWritten;
    this.held = new HeldCreations(creationWait, MAX_HELD);
    this.thread = new Thread(this::run, "delivery-result-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues an outcome for the next batch; waits while the queue is full. */
  public void submit(Outcome o) {
    enqueue(new Item(o, null));
  }

  /**
   * Queues the "created, pending" change of new deliveries leased to this node (call before they can have an
   * outcome), releasing the lease of those
   * {@code release} picks in the same transaction: no poller can take one before its creation is logged.
   */
  public void created(List<String> deliveryIds, Predicate<String> release) {
    deliveryIds.forEach(id -> enqueue(new Item(null, id, release.test(id), null, System.nanoTime())));
  }

  /**
   * Queues the release of leases this node holds, written after everything queued before: a delivery whose creation
   * is queued is released only once that creation is logged, so no other node can send it before the stream shows it
   * pending.
   */
  public void release(List<String> deliveryIds) {
    long deadline = System.nanoTime() + RELEASE_WAIT.toNanos();
    for (int i = 0; i < deliveryIds.size(); i++) {
      Item item = new Item(null, null, false, deliveryIds.get(i), System.nanoTime());
      try {
        if (!queue.offer(item, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          log.warn("The result writer's queue stayed full: {} leases are left to run out instead of being released",
              deliveryIds.size() - i);
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.warn("Interrupted: {} leases are left to run out instead of being released", deliveryIds.size() - i);
        return;
      }
    }
  }

  /** Leases released since start (each such delivery goes round the table: a poller claims it again). */
  public long releasedLeases() {
    return released.get();
  }

  /** Creations logged in one change-log row with their delivery's first outcome, since start. */
  public long creationsLoggedWithOutcome() {
    return createdWithOutcomes.get();
  }

  /** Outcomes dropped because their delivery was no longer leased to this node for that attempt (or was deleted). */
  public long staleOutcomes() {
    return stale.get();
  }

  /** Outcomes the database refused, recorded as failed with the reason instead. */
  public long setAsideOutcomes() {
    return setAside.get();
  }

  /** Results and creations waiting to be written. */
  public int queued() {
    return queue.size();
  }

  /** How long the oldest result or creation not yet written has waited, in seconds (0 when none waits). */
  public double lagSeconds() {
    long now = System.nanoTime();
    long oldest = writingSinceNanos;
    Item head = queue.peek();
    if (head != null && (oldest == 0 || head.queuedNanos() - oldest < 0)) {
      oldest = head.queuedNanos();
    }
    return oldest == 0 ? 0 : Math.max(0, now - oldest) / 1e9;
  }

  private void enqueue(Item item) {
    try {
      while (!queue.offer(item, 1, TimeUnit.SECONDS)) {
        if (!thread.isAlive()) {
          log.warn("The result writer has stopped; a result is left to its lease to be attempted again");
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    List<Item> taken = new ArrayList<>(MAX_BATCH);
    while (running || !queue.isEmpty() || !held.isEmpty()) {
      try {
        // At most 100 ms at a time, so that a close is seen soon.
        long waitNanos = Math.min(TimeUnit.MILLISECONDS.toNanos(100), held.nanosUntilDue(System.nanoTime()));
        Item first = queue.poll(Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
        if (first != null) {
          taken.add(first);
          queue.drainTo(taken, MAX_BATCH - 1);
        } else if (running && held.nanosUntilDue(System.nanoTime()) > 0) {
          continue;
        }
        long heldSince = held.oldestQueuedNanos();
        List<Item> batch = held.next(taken, MAX_BATCH, !running);
        if (!batch.isEmpty()) {
          long since = batch.get(0).queuedNanos();
          writingSinceNanos = heldSince != 0 && heldSince - since < 0 ? heldSince : since;
          writeSplittingBadRows(batch);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        taken.clear();
        writingSinceNanos = held.oldestQueuedNanos();
      }
    }
  }

  /** Writes the items in order; on a data error halves them until the bad rows are alone, and sets those aside. */
  void writeSplittingBadRows(List<Item> items) throws InterruptedException {
    RuntimeException refused = writeWithRetry(items);
    if (refused == null) {
      return;
    }
    if (items.size() > 1) {
      int half = items.size() / 2;
      writeSplittingBadRows(items.subList(0, half));
      writeSplittingBadRows(items.subList(half, items.size()));
    } else {
      setAside(items.get(0), refused);
    }
  }

  /** Records a refused outcome as failed with the database's reason instead of the endpoint's answer. */
  private void setAside(Item item, RuntimeException refused) throws InterruptedException {
    String reason = "Could not record the endpoint's answer: " + sqlMessage(refused);
    if (item.outcome() == null) {
      log.error("Could not log the creation of (or release) delivery {}: {}",
          item.createdId() != null ? item.createdId() : item.releasedId(), reason);
      return;
    }
    Outcome o = item.outcome();
    log.warn("Delivery {} attempt {}: {}", o.job().deliveryId(), o.job().attempt(), reason);
    setAside.incrementAndGet();
    AttemptResult r = o.result();
    Outcome failed = new Outcome(o.job(),
        new AttemptResult(r.startTime(), r.duration(), r.responseCode(), "", reason, null), DeliveryStatus.FAILED, null);
    RuntimeException again = writeWithRetry(List.of(new Item(failed, null)));
    if (again != null) {
      log.error("Could not record delivery {} as failed either; its lease runs out and it is attempted again",
          o.job().deliveryId(), again);
    }
  }

  /**
   * Writes, retrying while the database is unreachable; returns null when written (or given up on), or the
   * error when the database refused the data itself.
   */
  private RuntimeException writeWithRetry(List<Item> items) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        write(items);
        batchWritten.accept(items.size());
        return null;
      } catch (RuntimeException e) {
        String state = SqlErrors.state(e);
        if (isBadData(state)) {
          return e;
        }
        if (attempt >= MAX_TRIES && (!running || !isUnreachable(e))) {
          // The leases expire and the deliveries are attempted again: at-least-once holds.
          log.error("Could not record {} delivery results; they will be retried when their leases expire", items.size(), e);
          return null;
        }
        log.warn("Recording delivery results failed (attempt {}, SQLState {}), retrying", attempt, state, e);
        Thread.sleep(Math.min(MAX_BACKOFF_MS, 200L * attempt));
      }
    }
  }

  /** Data exceptions (22) and integrity violations (23) belong to a row, not to the database's state. */
  private static boolean isBadData(String state) {
    return state != null && (state.startsWith("22") || state.startsWith("23"));
  }

  /** A lost or refused connection, an overloaded or restarting server, a conflict: worth waiting for. */
  private static boolean isUnreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
        return true;
      }
      if (t instanceof SQLException s && s.getSQLState() != null) {
        return Stream.of("08", "40", "53", "57", "58").anyMatch(s.getSQLState()::startsWith);
      }
    }
    return false;
  }

  private static String sqlMessage(Throwable e) {
    return SqlErrors.of(e).map(SQLException::getMessage).orElse(e.getMessage());
  }

  void write(List<Item> items) {
    List<Outcome> batch = items.stream().filter(i -> i.outcome() != null).map(Item::outcome).toList();
    // A creation whose first attempt's outcome is in this batch too is logged with it, as one row (see
    // ChangeLog.record), when the outcome is recorded; the others are logged first, as the deliveries are now (before
    // any outcome changes them).
    Set<String> withOutcome = new HashSet<>();
    batch.stream().filter(o -> o.job().attempt() == 1).forEach(o -> withOutcome.add(o.job().deliveryId()));
    Set<String> createdWithOutcome = new HashSet<>();
    List<String> createdAlone = new ArrayList<>();
    for (Item i : items) {
      if (i.createdId() != null) {
        (withOutcome.contains(i.createdId()) ? createdWithOutcome : createdAlone).add(i.createdId());
      }
    }
    String[] created = createdAlone.toArray(String[]::new);
    int n = batch.size();
    String[] ids = new String[n];
    String[] statuses = new String[n];
    Integer[] attempts = new Integer[n];
    Integer[] codes = new Integer[n];
    String[] bodies = new String[n];
    String[] errors = new String[n];
    Long[] durations = new Long[n];
    // Instants as text (ISO, in UTC): a Timestamp[] goes as local times without offset, which PostgreSQL reads in the
    // session's zone, an hour off in a zone's repeated autumn hour (or more, with another zone).
    String[] next = new String[n];
    String[] starts = new String[n];
    for (int i = 0; i < n; i++) {
      Outcome o = batch.get(i);
      ids[i] = o.job().deliveryId();
      statuses[i] = o.status().name();
      attempts[i] = o.job().attempt();
      codes[i] = o.result().responseCode();
      bodies[i] = o.result().responseBody();
      errors[i] = o.result().error();
      durations[i] = o.result().duration().toMillis();
      next[i] = o.nextAttemptTime() == null ? null : o.nextAttemptTime().toString();
      starts[i] = o.result().startTime().toString();
    }
    String[] release = items.stream().map(Item::releases).filter(Objects::nonNull).toArray(String[]::new);
    long[] merged = {0};
    int recorded = jdbi.inTransaction(h -> {
      // Results lost to a database crash are safe to lose: the leases expire and the attempts are made again.
      // The batch arrays look small to the planner; without enable_seqscan off it may scan all deliveries per batch.
      // The change log's statement starts on its generic plan (see plan).
      h.createQuery("SELECT set_config('synchronous_commit', 'off', true) || set_config('enable_seqscan', 'off', true)"
          + " || set_config('plan_cache_mode', 'force_generic_plan', true)").mapTo(String.class).one();
      // Creations first: their snapshots are read before this batch's outcomes change the rows.
      ChangeLog.record(h, created);
      if (release.length == 0 && n == 0) {
        return 0;
      }
      plan(h, "force_custom_plan", false);
      if (release.length > 0) {
        Leases.releaseLeases(h, release, nodeId);
      }
      if (n == 0) {
        return 0;
      }
      List<String> written =
          Leases.recordOutcomes(h, nodeId, ids, statuses, attempts, codes, bodies, errors, durations, next, starts);
      plan(h, "auto", true);
      // Before the change log's lock, so the health statement does not lengthen the time it is held.
      Set<String> writtenIds = new HashSet<>(written);
      Map<String, String> disabledNotices = EndpointHealth.record(h, batch, writtenIds);
      plan(h, "force_generic_plan", true);
      // A creation whose outcome was not recorded (the delivery was deleted meanwhile, or its lease taken) is logged
      // alone after all, as the delivery is now; it has no outcome from this batch to follow.
      ChangeLog.record(h, createdWithOutcome.stream().filter(id -> !writtenIds.contains(id)).toArray(String[]::new));
      ChangeLog.record(h, written.toArray(String[]::new), disabledNotices, createdWithOutcome);
      merged[0] = createdWithOutcome.stream().filter(writtenIds::contains).count();
      return written.size();
    });
    released.addAndGet(release.length);
    createdWithOutcomes.addAndGet(merged[0]);
    if (recorded < n) {
      stale.addAndGet(n - recorded);
      log.debug("Dropped {} stale outcomes (lease held by another attempt, or the webhook was deleted)", n - recorded);
    }
  }

  /**
   * Sets how this transaction's next statements are planned. With the default ({@code auto}) PostgreSQL plans the
   * change log's statement anew on every call, as its days make a custom plan look cheaper: about 0.6 ms of
   * planning against 0.1 ms of running it (pg_stat_statements, latency workload); its generic plan prunes the days
   * at run time instead. The release and the outcome update are planned for each batch's arrays (custom): as
   * generic plans they assume ten ids and hash-join all of a day's deliveries. The health statement after them plans
   * as PostgreSQL chooses (its generic plan, after five calls, saves about 1 ms a batch).
   *
   * <p>The outcome update runs without nested loops. When most deliveries of a batch's second were leased to this
   * node (a burst taken whole), the planner, which sees few leased rows in its statistics, expected one row there and
   * looped over the batch's thousand outcomes for each of the thousand deliveries: 2-4 s a batch (auto_explain,
   * fan-out workload) instead of about 16 ms. Hash joins over the ids' key lookups cost the same in the usual case and
   * cannot go quadratic.
   */
  private static void plan(Handle h, String cacheMode, boolean nestedLoops) {
    h.createQuery("SELECT set_config('plan_cache_mode', :mode, true) || set_config('enable_nestloop', :loops, true)")
        .bind("mode", cacheMode).bind("loops", nestedLoops ? "on" : "off").mapTo(String.class).one();
  }

  /** Writes what is queued, then stops. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(10_000);
  }
}
