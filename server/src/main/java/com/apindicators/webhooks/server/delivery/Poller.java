package com.apindicators.webhooks.server.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds this node's dispatcher as it has room: deliveries parked here at publish ({@link ParkedDeliveries}), and
 * due deliveries claimed from the database: retries whose time has come, deliveries whose lease expired (a node
 * died), and those a publishing node released. Gives back the leases of what cannot be sent soon.
 */
public final class Poller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Poller.class);
  private static final int MAX_CLAIM = 500;
  /** A poll that filled at least this much room polls again at once; a smaller room waits for more to free. */
  private static final int MIN_REPOLL = 64;
  /** The most event data a claimed delivery can carry: the API's 64 KiB (a UTF-8 byte is at least a char). */
  static final int MAX_JOB_CHARS = 64 * 1024;
  private final Jdbi jdbi;
  private final Dispatcher dispatcher;
  private final ParkedDeliveries parked;
  /** Gives leases back (through the result writer, after the creations queued before). */
  private final Consumer<List<String>> releases;
  private final String nodeId;
  private final long leaseMs;
  private final long intervalMs;
  private final Thread thread;
  private volatile boolean running = true;
  private String after = "";
  private long expiredCheckedNanos = System.nanoTime();
  /** The last poll filled the room it found: poll again at once rather than wait. */
  private boolean filled;

  public Poller(Jdbi jdbi, Dispatcher dispatcher, ParkedDeliveries parked, Consumer<List<String>> releases,
      String nodeId, Duration lease, Duration interval) {
    this.jdbi = jdbi;
    this.dispatcher = dispatcher;
    this.parked = parked;
    this.releases = releases;
    this.nodeId = nodeId;
    this.leaseMs = lease.toMillis();
    this.intervalMs = interval.toMillis();
    this.thread = new Thread(this::run, "delivery-poller");
    thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  private void run() {
    while (running) {
      try {
        if (pollOnce() < MAX_CLAIM && !filled) {
          dispatcher.awaitRoom(intervalMs);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.warn("Claiming due deliveries failed; trying again", e);
        try {
          Thread.sleep(Math.max(intervalMs, 1000));
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /**
   * Gives back what the dispatcher should not hold and what waited parked too long, then fills the room it has:
   * parked deliveries first (no statement) but with at most half of it (so retries and other nodes' backlog in the
   * table keep their turn while this node's publishers flood it), then claims from the table (accounts in turn),
   * then parked ones again if the table had less. Returns how many it claimed from the table (a claim not taken
   * whole is not repeated at once).
   */
  int pollOnce() {
    release(dispatcher.trim());
    releaseIds(parked.expired(System.nanoTime()));
    // Sized for the largest data: a claim then never holds more than the dispatcher takes, nor is given back at once.
    int room = Math.min(dispatcher.freeCapacity(MAX_JOB_CHARS), MAX_CLAIM);
    filled = false;
    if (room <= 0) {
      return 0;
    }
    String[] skip = dispatcher.fullWebhooks(null);
    Set<String> full = new HashSet<>(Arrays.asList(skip));
    int fromParking = unpark(room / 2, full);
    int want = room - fromParking;
    List<DeliveryJob> jobs = new ArrayList<>();
    if (want > 0) {
      jobs.addAll(byIndex(jdbi, h -> Leases.claimDue(h, nodeId, leaseMs, want, after, skip)));
    }
    // Expired leases are rare (a node died); looking for them walks past every lease held, so only now and then.
    if (want > 0 && jobs.size() < want && System.nanoTime() - expiredCheckedNanos > leaseMs * 1_000_000 / 4) {
      expiredCheckedNanos = System.nanoTime();
      jobs.addAll(byIndex(jdbi, h -> Leases.claimExpired(h, nodeId, leaseMs, want - jobs.size())));
    }
    // With more accounts due than one claim takes, start after the last one served next time.
    if (want > 0) {
      after = jobs.size() < want ? "" : jobs.stream().map(DeliveryJob::accountId).max(String::compareTo).orElse("");
    }
    if (jobs.size() < want) {
      fromParking += unpark(want - jobs.size(), full);
    }
    int took = 0;
    if (!jobs.isEmpty()) {
      List<DeliveryJob> refused = dispatcher.offer(jobs);
      release(refused);
      took = jobs.size() - refused.size();
    }
    filled = room >= MIN_REPOLL && fromParking + took >= room;
    return took;
  }

  /** Hands up to {@code n} parked deliveries over (accounts in turn); releases those of full lanes and refused. */
  private int unpark(int n, Set<String> full) {
    ParkedDeliveries.Taken taken = parked.take(n, full);
    releaseIds(taken.release());
    // Each with the time its lease was taken, so that none starts after half its lease.
    Map<Long, List<DeliveryJob>> byLease = new LinkedHashMap<>();
    taken.load().forEach(p -> byLease.computeIfAbsent(p.leasedAtNanos(), t -> new ArrayList<>()).add(p.job()));
    int took = 0;
    for (Map.Entry<Long, List<DeliveryJob>> e : byLease.entrySet()) {
      List<DeliveryJob> refused = dispatcher.offer(e.getValue(), e.getKey());
      release(refused);
      took += e.getValue().size() - refused.size();
    }
    return took;
  }

  /** Gives leases back so any node can claim those deliveries now rather than when the lease runs out. */
  void release(List<DeliveryJob> jobs) {
    releaseIds(jobs.stream().map(DeliveryJob::deliveryId).toList());
  }

  void releaseIds(List<String> ids) {
    if (!ids.isEmpty()) {
      releases.accept(ids);
    }
  }

  /**
   * Runs a statement on deliveries in a transaction that plans it by index, as the result writer's batches are: id
   * arrays, and a young day's partition before autovacuum has analyzed it, look small to the planner, which then
   * scans every delivery of the day per claim (on a fresh database the first 60,000 deliveries cost PostgreSQL
   * about 4 times the CPU of the next 60,000 before this).
   */
  static <T> T byIndex(Jdbi jdbi, Function<Handle, T> statement) {
    return jdbi.inTransaction(h -> {
      h.createQuery("SELECT set_config('enable_seqscan', 'off', true)").mapTo(String.class).one();
      return statement.apply(h);
    });
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(5_000);
  }
}
