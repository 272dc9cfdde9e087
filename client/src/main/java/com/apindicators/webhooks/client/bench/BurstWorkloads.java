package com.apindicators.webhooks.client.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Workloads that publish a fixed amount at once and time until every delivery is received: throughput, fanout. */
final class BurstWorkloads {
  /** How often a wait for the receiver also asks whether anything is still pending. */
  private static final long CHECK_NANOS = 250_000_000L;
  /** How long the server's metrics must show no attempt ending and nothing unwritten before the listing is asked. */
  private static final long QUIET_NANOS = 200_000_000L;
  private final BenchTarget target;
  private final BenchReceiver receiver;
  private final Settings settings;

  BurstWorkloads(BenchTarget target, BenchReceiver receiver, Settings settings) {
    this.target = target;
    this.receiver = receiver;
    this.settings = settings;
  }

  /** Many events to many webhooks on one receiver, from several publishing threads. */
  Result throughput() throws Exception {
    return throughput("throughput");
  }

  /** The throughput workload in an account named for {@code name} (the warm-up's burst has its own). */
  Result throughput(String name) throws Exception {
    List<String> account = target.accounts(name, 1);
    List<String> hooks = target.webhooks(settings.webhooks(),
        i -> BenchTarget.webhook(account.get(0), "bench-" + i, receiver.url("throughput-" + i)));
    Map<Long, Long> publishedAt = new ConcurrentHashMap<>();
    BenchReceiver.Run run = receiver.begin(publishedAt);
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime();
    ExecutorService publishers = Executors.newFixedThreadPool(settings.publishers());
    for (long seq = 0; seq < settings.events(); seq++) {
      long s = seq;
      publishers.submit(() -> {
        publishedAt.put(s, System.nanoTime());
        call(errors, () -> target.publish(account.get(0), s));
      });
    }
    publishers.shutdown();
    publishers.awaitTermination(10, TimeUnit.MINUTES);
    double publishSeconds = (System.nanoTime() - start) / 1e9;
    long expected = (long) settings.webhooks() * (settings.events() - errors.get());
    long end = awaitReceived(target, receiver, run, expected, account);
    Tally tally = tally(target, run, expected, account);
    target.delete(hooks);
    return new Result("throughput", run.received().get() / ((end - start) / 1e9), settings.events() / publishSeconds,
        run.latencyMicros(), null, errors.get(), tally.failed(), tally.lost(), target.heapBytes(),
        settings.events() + " events x " + settings.webhooks() + " webhooks, " + settings.publishers() + " publishers");
  }

  /** One event to many webhooks of several accounts: a broadcast on a server of our own, else one per account. */
  Result fanout() throws Exception {
    List<String> accounts = target.accounts("fanout", settings.fanoutAccounts());
    List<String> hooks = target.webhooks(settings.fanoutWebhooks(), i -> BenchTarget.webhook(
        accounts.get(i % accounts.size()), "bench-" + i, receiver.url("fanout-" + i)));
    Map<Long, Long> publishedAt = new ConcurrentHashMap<>();
    BenchReceiver.Run run = receiver.begin(publishedAt);
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime();
    publishedAt.put(0L, start);
    if (settings.broadcast()) {
      call(errors, () -> target.publish(null, 0));
    } else {
      ExecutorService publishers = Executors.newFixedThreadPool(accounts.size());
      for (String account : accounts) {
        publishers.submit(() -> call(errors, () -> target.publish(account, 0)));
      }
      publishers.shutdown();
      publishers.awaitTermination(1, TimeUnit.MINUTES);
    }
    double publishSeconds = (System.nanoTime() - start) / 1e9;
    long end = awaitReceived(target, receiver, run, hooks.size(), accounts);
    Tally tally = tally(target, run, hooks.size(), accounts);
    target.delete(hooks);
    return new Result("fanout", run.received().get() / ((end - start) / 1e9), 1 / publishSeconds, run.latencyMicros(),
        null, errors.get(), tally.failed(), tally.lost(), target.heapBytes(), String.format("%d webhooks in %d accounts, %s; all ended in %.2f s",
            hooks.size(), accounts.size(), settings.broadcast() ? "one broadcast" : "one event per account",
            (end - start) / 1e9));
  }

  /**
   * Waits until the run received the expected deliveries, or none of the accounts' deliveries is pending any more
   * (the rest ended failed), or the settle time passed; the time it did. With an external receiver, until none is
   * pending, counting the others as received.
   */
  static long awaitReceived(BenchTarget target, BenchReceiver receiver, BenchReceiver.Run run, long expected,
      List<String> accounts) throws InterruptedException {
    long deadline = System.nanoTime() + Settings.SETTLE.toNanos();
    if (receiver.external()) {
      long end = awaitQuiet(target, accounts, deadline);
      BenchTarget.Settled s = target.settle(accounts, Duration.ZERO);
      run.received().set(expected - s.pending() - s.failed());
      return end;
    }
    long nextCheck = System.nanoTime() + CHECK_NANOS;
    while (run.received().get() < expected && System.nanoTime() < deadline) {
      Thread.sleep(1);
      if (System.nanoTime() > nextCheck) {
        if (!target.anyPending(accounts)) {
          break;
        }
        nextCheck = System.nanoTime() + CHECK_NANOS;
      }
    }
    return System.nanoTime();
  }

  /**
   * Waits until none of the accounts' deliveries is pending; returns when the last attempt ended and its result was
   * written. The server's metrics (a counter and a gauge, no database read) are watched every 20 ms and the listing
   * asked only once they go quiet, so the wait itself does not load the database it measures; without metrics the
   * listing is asked every 250 ms.
   */
  private static long awaitQuiet(BenchTarget target, List<String> accounts, long deadline) throws InterruptedException {
    long lastBusy = System.nanoTime();
    long lastEnded = -1;
    long nextListing = 0;
    while (System.nanoTime() < deadline) {
      BenchTarget.Progress p = target.progress();
      long now = System.nanoTime();
      if (p == null) {
        if (!target.anyPending(accounts)) {
          return now;
        }
        Thread.sleep(CHECK_NANOS / 1_000_000);
        continue;
      }
      if (p.ended() != lastEnded || p.unwritten() > 0) {
        lastEnded = p.ended();
        lastBusy = now;
      } else if (now - lastBusy > QUIET_NANOS && now - nextListing > 0) {
        // Quiet, but retries may still be scheduled: the listing is asked at most every 250 ms.
        if (!target.anyPending(accounts)) {
          return lastBusy;
        }
        nextListing = now + CHECK_NANOS;
      }
      Thread.sleep(20);
    }
    return System.nanoTime();
  }

  /** Failed: logged failed (the receiver did not answer 2xx in time); lost: neither received nor logged failed. */
  record Tally(long failed, long lost) {}

  static Tally tally(BenchTarget target, BenchReceiver.Run run, long expected, List<String> accounts)
      throws InterruptedException {
    BenchTarget.Settled s = target.settle(accounts, Settings.SETTLE);
    return new Tally(s.failed(), Math.max(0, expected - run.received().get() - s.failed()));
  }

  /** Runs a call, counting it as an error if it fails (the bench reports, it does not stop). */
  static void call(AtomicLong errors, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      errors.incrementAndGet();
    }
  }

  static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
