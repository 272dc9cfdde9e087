package com.apindicators.webhooks.server.delivery;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import com.apindicators.webhooks.server.stream.ChangeLog;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes attempt outcomes to the delivery log in batches, one transaction per batch, on its own thread. */
public final class ResultWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResultWriter.class);
  static final int MAX_BATCH = 1000;
  private final Jdbi jdbi;
  private final BlockingQueue<Outcome> queue = new LinkedBlockingQueue<>();
  private final Consumer<List<Outcome>> afterWrite;
  private final Thread thread;
  private volatile boolean running = true;

  /** @param afterWrite told of each batch once it is committed (the live stream listens here) */
  public ResultWriter(Jdbi jdbi, Consumer<List<Outcome>> afterWrite) {
    this.jdbi = jdbi;
    this.afterWrite = afterWrite;
    this.thread = new Thread(this::run, "delivery-result-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues an outcome for the next batch. */
  public void submit(Outcome o) {
    queue.add(o);
  }

  private void run() {
    List<Outcome> batch = new ArrayList<>(MAX_BATCH);
    while (running || !queue.isEmpty()) {
      try {
        Outcome first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        writeWithRetry(batch);
        afterWrite.accept(List.copyOf(batch));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.error("Listener failed after writing {} delivery results", batch.size(), e);
      } finally {
        batch.clear();
      }
    }
  }

  private void writeWithRetry(List<Outcome> batch) throws InterruptedException {
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

  void write(List<Outcome> batch) {
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
