package com.apindicators.webhooks.server.delivery;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import com.apindicators.webhooks.server.stream.ChangeLog;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the delivery log in batches, one transaction per batch, on its own thread: attempt outcomes, and the
 * change-log entries of new deliveries and of every outcome. Publishing and sending never wait for it, and only
 * this short transaction takes the change log's ordering lock.
 */
public final class ResultWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResultWriter.class);
  static final int MAX_BATCH = 1000;
  private final Jdbi jdbi;
  // FIFO: a delivery's creation is always queued before its first outcome.
  private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean running = true;

  /** Either an outcome to record, or a newly created delivery whose "pending" change to log. */
  private record Item(Outcome outcome, String createdId) {}

  public ResultWriter(Jdbi jdbi) {
    this.jdbi = jdbi;
    this.thread = new Thread(this::run, "delivery-result-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues an outcome for the next batch. */
  public void submit(Outcome o) {
    queue.add(new Item(o, null));
  }

  /** Queues the "created, pending" change of new deliveries; call before they can have an outcome. */
  public void created(List<String> deliveryIds) {
    deliveryIds.forEach(id -> queue.add(new Item(null, id)));
  }

  private void run() {
    List<Item> batch = new ArrayList<>(MAX_BATCH);
    while (running || !queue.isEmpty()) {
      try {
        Item first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        writeWithRetry(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        batch.clear();
      }
    }
  }

  private void writeWithRetry(List<Item> batch) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        write(batch);
        return;
      } catch (RuntimeException e) {
        if (attempt >= 5) {
          // The leases expire and the deliveries are attempted again: at-least-once holds.
          log.error("Could not record {} delivery results; they will be retried when their leases expire", batch.size(), e);
          return;
        }
        log.warn("Recording delivery results failed (attempt {}), retrying", attempt, e);
        Thread.sleep(200L * attempt);
      }
    }
  }

  void write(List<Item> items) {
    String[] created = items.stream().filter(i -> i.createdId() != null).map(Item::createdId).toArray(String[]::new);
    List<Outcome> batch = items.stream().filter(i -> i.outcome() != null).map(Item::outcome).toList();
    int n = batch.size();
    String[] ids = new String[n];
    String[] statuses = new String[n];
    Integer[] attempts = new Integer[n];
    Integer[] codes = new Integer[n];
    String[] bodies = new String[n];
    String[] errors = new String[n];
    Long[] durations = new Long[n];
    Timestamp[] next = new Timestamp[n];
    Timestamp[] starts = new Timestamp[n];
    for (int i = 0; i < n; i++) {
      Outcome o = batch.get(i);
      ids[i] = o.job().deliveryId();
      statuses[i] = o.status().name();
      attempts[i] = o.job().attempt();
      codes[i] = o.result().responseCode();
      bodies[i] = o.result().responseBody();
      errors[i] = o.result().error();
      durations[i] = o.result().duration().toMillis();
      next[i] = o.nextAttemptTime() == null ? null : Timestamp.from(o.nextAttemptTime());
      starts[i] = Timestamp.from(o.result().startTime());
    }
    jdbi.useTransaction(h -> {
      // Results lost to a database crash are safe to lose: the leases expire and the attempts are made again.
      h.execute("SET LOCAL synchronous_commit = off");
      // The batch arrays look small to the planner; without this it may scan the whole deliveries table per batch.
      h.execute("SET LOCAL enable_seqscan = off");
      // Creations first: their snapshots are read before this batch's outcomes change the rows.
      ChangeLog.record(h, created);
      if (n == 0) {
        return;
      }
      DeliveryDao dao = h.attach(DeliveryDao.class);
      dao.recordOutcomes(ids, statuses, attempts, codes, bodies, errors, durations, next);
      dao.insertAttempts(ids, attempts, starts, durations, codes, bodies, errors);
      ChangeLog.record(h, ids);
    });
  }

  /** Writes what is queued, then stops. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(10_000);
  }
}
