package com.apindicators.webhooks.client.bench;

import com.apindicators.webhooks.client.Watch;
import com.apindicators.webhooks.client.WebhooksClient;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import org.HdrHistogram.ConcurrentHistogram;

/** Workloads that publish at a steady pace (or as fast as calls return) for a while: latency, publish, isolation. */
final class SteadyWorkloads {
  /** Watchers per API key: below the server's default of 100 streams per key. */
  private static final int WATCHERS_PER_KEY = 50;
  private final BenchTarget target;
  private final BenchReceiver receiver;
  private final Settings settings;

  SteadyWorkloads(BenchTarget target, BenchReceiver receiver, Settings settings) {
    this.target = target;
    this.receiver = receiver;
    this.settings = settings;
  }

  /** One-webhook events at the set rate, with the set number of delivery streams watching. */
  Result latency() throws Exception {
    List<String> accounts = target.accounts("latency", Settings.STEADY_ACCOUNTS);
    List<String> hooks = target.webhooks(accounts.size(),
        i -> BenchTarget.webhook(accounts.get(i), "bench-" + i, receiver.url("latency-" + i)));
    ConcurrentHistogram stream = new ConcurrentHistogram(3);
    List<WebhooksClient> clients = new ArrayList<>();
    List<Watch> watches = watch(accounts, settings.watchers(), stream, clients);
    Map<Long, Long> publishedAt = new ConcurrentHashMap<>();
    BenchReceiver.Run run = receiver.begin(publishedAt);
    long events = (long) settings.rate() * settings.duration().toSeconds();
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime();
    paced(events, seq -> {
      publishedAt.put(seq, start + seq * 1_000_000_000L / settings.rate()); // the intended time: no coordinated omission
      BurstWorkloads.call(errors, () -> target.publish(accounts.get((int) (seq % accounts.size())), seq));
    }, start);
    double publishSeconds = (System.nanoTime() - start) / 1e9;
    long end = BurstWorkloads.awaitReceived(target, receiver, run, events - errors.get(), accounts);
    BurstWorkloads.Tally tally = BurstWorkloads.tally(target, run, events - errors.get(), accounts);
    close(watches, clients);
    target.delete(hooks);
    return new Result("latency", run.received().get() / ((end - start) / 1e9), events / publishSeconds,
        run.latencyMicros(), watches.isEmpty() ? null : stream, errors.get(), tally.failed(), tally.lost(),
        target.heapBytes(),
        String.format("%d events/s for %d s, one webhook each, %d watchers", settings.rate(),
            settings.duration().toSeconds(), watches.size()));
  }

  /** PublishEvent calls as fast as they return, the set number in flight, one webhook each. */
  Result publish() throws Exception {
    return publish("publish", 0);
  }

  /**
   * The publish workload on accounts and webhooks named after {@code name}, with {@code watchers} delivery streams
   * open on those accounts (the warm-up runs it so, to compile the streams' paths too); their updates' latency
   * is the row's stream column.
   */
  Result publish(String name, int watchers) throws Exception {
    List<String> accounts = target.accounts(name, Settings.STEADY_ACCOUNTS);
    List<String> hooks = target.webhooks(accounts.size(),
        i -> BenchTarget.webhook(accounts.get(i), "bench-" + i, receiver.url(name + "-" + i)));
    ConcurrentHistogram stream = new ConcurrentHistogram(3);
    List<WebhooksClient> clients = new ArrayList<>();
    List<Watch> watches = watch(accounts, watchers, stream, clients);
    Map<Long, Long> publishedAt = new ConcurrentHashMap<>();
    BenchReceiver.Run run = receiver.begin(publishedAt);
    AtomicLong errors = new AtomicLong();
    AtomicLong next = new AtomicLong();
    long start = System.nanoTime();
    long stop = start + settings.duration().toNanos();
    ExecutorService publishers = Executors.newFixedThreadPool(settings.publishers());
    for (int t = 0; t < settings.publishers(); t++) {
      publishers.submit(() -> {
        while (System.nanoTime() < stop) {
          long seq = next.getAndIncrement();
          publishedAt.put(seq, System.nanoTime());
          BurstWorkloads.call(errors, () -> target.publish(accounts.get((int) (seq % accounts.size())), seq));
        }
      });
    }
    publishers.shutdown();
    publishers.awaitTermination(10, TimeUnit.MINUTES);
    double seconds = (System.nanoTime() - start) / 1e9;
    long calls = next.get();
    long end = BurstWorkloads.awaitReceived(target, receiver, run, calls - errors.get(), accounts);
    BurstWorkloads.Tally tally = BurstWorkloads.tally(target, run, calls - errors.get(), accounts);
    close(watches, clients);
    target.delete(hooks);
    return new Result("publish", run.received().get() / ((end - start) / 1e9), calls / seconds, run.latencyMicros(),
        watches.isEmpty() ? null : stream, errors.get(), tally.failed(), tally.lost(), target.heapBytes(),
        settings.publishers() + " calls in flight for " + settings.duration().toSeconds() + " s");
  }

  /**
   * Fast webhooks beside another account's webhooks whose endpoints never answer (or answer late, {@code
   * --hanging-answer}): the share of their rate the fast ones keep.
   */
  Result isolation(HangingEndpoints hanging) throws Exception {
    List<String> fastAccount = target.accounts("isolation-fast", 1);
    List<String> hangAccount = target.accounts("isolation-hanging", 1);
    List<String> fast = target.webhooks(Settings.FAST_WEBHOOKS,
        i -> BenchTarget.webhook(fastAccount.get(0), "fast-" + i, receiver.url("fast-" + i)));
    List<String> hung = target.webhooks(Settings.HANGING_WEBHOOKS,
        i -> BenchTarget.webhook(hangAccount.get(0), "hanging-" + i, hanging.url(i, "h" + i)));
    Map<Long, Long> publishedAt = new ConcurrentHashMap<>();
    BenchReceiver.Run run = receiver.begin(publishedAt);
    int perSecond = Math.max(1, settings.rate() / Settings.FAST_WEBHOOKS); // events; each fans out to 50 fast webhooks
    long events = perSecond * settings.duration().toSeconds();
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime();
    paced(events * 2, n -> {
      long seq = n / 2;
      String account = n % 2 == 0 ? fastAccount.get(0) : hangAccount.get(0);
      publishedAt.putIfAbsent(seq, start + seq * 1_000_000_000L / perSecond);
      BurstWorkloads.call(errors, () -> target.publish(account, seq));
    }, start, perSecond * 2);
    long expected = events * Settings.FAST_WEBHOOKS;
    long inTime = run.received().get();
    BurstWorkloads.awaitReceived(target, receiver, run, expected, fastAccount);
    BurstWorkloads.Tally tally = BurstWorkloads.tally(target, run, expected, fastAccount);
    target.delete(BurstWorkloads.concat(fast, hung));
    return new Result("isolation", inTime / ((double) settings.duration().toSeconds()),
        events * 2 / settings.duration().toSeconds(), run.latencyMicros(), null, errors.get(), tally.failed(), tally.lost(),
        target.heapBytes(), String.format("fast webhooks kept %.2f of their rate (%d of %d in time) beside %d webhooks"
            + " on %d endpoints that %s", inTime / (double) expected, inTime, expected,
            Settings.HANGING_WEBHOOKS, hanging.size(), hanging.describe()));
  }

  private void paced(long count, LongConsumer publish, long start) throws InterruptedException {
    paced(count, publish, start, settings.rate());
  }

  /** Publishes count items at perSecond from the publisher threads, each at its intended time. */
  private void paced(long count, LongConsumer publish, long start, int perSecond) throws InterruptedException {
    AtomicLong next = new AtomicLong();
    ExecutorService publishers = Executors.newFixedThreadPool(settings.publishers());
    for (int t = 0; t < settings.publishers(); t++) {
      publishers.submit(() -> {
        for (long seq = next.getAndIncrement(); seq < count; seq = next.getAndIncrement()) {
          long wait = start + seq * 1_000_000_000L / perSecond - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
          publish.accept(seq);
        }
      });
    }
    publishers.shutdown();
    publishers.awaitTermination(1, TimeUnit.HOURS);
  }

  /** Opens {@code count} watchers over the accounts, each recording received-to-update latency of delivered updates. */
  private List<Watch> watch(List<String> accounts, int count, ConcurrentHistogram stream, List<WebhooksClient> clients)
      throws Exception {
    List<Watch> watches = new ArrayList<>();
    Map<String, WebhooksClient> current = new HashMap<>();
    for (int i = 0; i < count; i++) {
      String account = accounts.get(i % accounts.size());
      if ((i / accounts.size()) % WATCHERS_PER_KEY == 0) {
        WebhooksClient fresh = target.accountClient(account);
        clients.add(fresh);
        current.put(account, fresh);
      }
      WebhooksClient client = current.get(account);
      watches.add(client.watch(WatchDeliveriesRequest.newBuilder().setAccountId(account)
          .addStatuses(DeliveryStatus.DELIVERY_STATUS_DELIVERED).build(), update -> {
            Long at = receiver.receivedAt(update.getDelivery().getDeliveryId());
            if (at != null) {
              stream.recordValue(Math.max(0, (System.nanoTime() - at) / 1000));
            }
          }, error -> { }));
    }
    return watches;
  }

  /** Ends the watches, closes their clients and revokes the clients' keys. */
  private void close(List<Watch> watches, List<WebhooksClient> clients) throws Exception {
    for (Watch w : watches) {
      w.close();
    }
    for (WebhooksClient c : clients) {
      c.close();
    }
    target.revokeKeys();
  }
}
