package com.apindicators.webhooks.server.delivery;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims due deliveries from the database for this node's dispatcher: retries whose time has come, deliveries
 * whose lease expired (a node died), and those the publishing node had no room for.
 */
public final class Poller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Poller.class);
  private static final int MAX_CLAIM = 500;
  /** The most event data a claimed delivery can carry: the API's 64 KiB (a UTF-8 byte is at least a char). */
  static final int MAX_JOB_CHARS = 64 * 1024;
  private final Jdbi jdbi;
  private final Dispatcher dispatcher;
  private final String nodeId;
  private final long leaseMs;
  private final long intervalMs;
  private final Thread thread;
  private volatile boolean running = true;
  private String after = "";
  private long expiredCheckedNanos = System.nanoTime();

  public Poller(Jdbi jdbi, Dispatcher dispatcher, String nodeId, Duration lease, Duration interval) {
    this.jdbi = jdbi;
    this.dispatcher = dispatcher;
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
        if (pollOnce() < MAX_CLAIM) {
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
   * Gives back what the dispatcher should not hold, claims what it has room for (accounts in turn) and hands it
   * over; returns how many it took (a claim not taken whole is not repeated at once).
   */
  int pollOnce() {
    release(jdbi, nodeId, dispatcher.trim());
    // Sized for the largest data: a claim then never holds more than the dispatcher takes, nor is given back at once.
    int room = Math.min(dispatcher.freeCapacity(MAX_JOB_CHARS), MAX_CLAIM);
    if (room <= 0) {
      return 0;
    }
    String[] skip = dispatcher.fullWebhooks(null);
    List<DeliveryJob> jobs = new java.util.ArrayList<>(
        byIndex(jdbi, h -> Leases.claimDue(h, nodeId, leaseMs, room, after, skip)));
    // Expired leases are rare (a node died); looking for them walks past every lease held, so only now and then.
    if (jobs.size() < room && System.nanoTime() - expiredCheckedNanos > leaseMs * 1_000_000 / 4) {
      expiredCheckedNanos = System.nanoTime();
      jobs.addAll(byIndex(jdbi, h -> Leases.claimExpired(h, nodeId, leaseMs, room - jobs.size())));
    }
    // With more accounts due than one claim takes, start after the last one served next time.
    after = jobs.size() < room ? "" : jobs.stream().map(DeliveryJob::accountId).max(String::compareTo).orElse("");
    if (jobs.isEmpty()) {
      return 0;
    }
    List<DeliveryJob> refused = dispatcher.offer(jobs);
    release(jdbi, nodeId, refused);
    return jobs.size() - refused.size();
  }

  /** Gives back leases so any node can claim those deliveries now rather than when the lease runs out. */
  static void release(Jdbi jdbi, String nodeId, List<DeliveryJob> jobs) {
    if (!jobs.isEmpty()) {
      String[] ids = jobs.stream().map(DeliveryJob::deliveryId).toArray(String[]::new);
      byIndex(jdbi, h -> Leases.releaseLeases(h, ids, nodeId));
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
