package com.apindicators.webhooks.client.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Overload: events published at the set rate to webhooks whose endpoints never answer, so the backlog grows
 * without end, while the server's heap is sampled: it must stay flat (every queue bounded, the backlog in the
 * database), not grow with the backlog.
 */
final class MemoryWorkload {
  private static final long SAMPLE_NANOS = 2_000_000_000L;
  private final BenchTarget target;
  private final Settings settings;

  MemoryWorkload(BenchTarget target, Settings settings) {
    this.target = target;
    this.settings = settings;
  }

  Result run(HangingEndpoints hanging) throws Exception {
    List<String> accounts = target.accounts("memory", Settings.STEADY_ACCOUNTS);
    List<String> hooks = target.webhooks(Settings.HANGING_WEBHOOKS, i -> BenchTarget.webhook(
        accounts.get(i % accounts.size()), "overload-" + i, hanging.url(i, "o" + i)));
    AtomicLong errors = new AtomicLong();
    AtomicLong next = new AtomicLong();
    long events = (long) settings.rate() * settings.duration().toSeconds();
    long start = System.nanoTime();
    long stop = start + settings.duration().toNanos();
    ExecutorService publishers = Executors.newFixedThreadPool(settings.publishers());
    for (int t = 0; t < settings.publishers(); t++) {
      publishers.submit(() -> {
        // Until the time is up, even if the server took fewer than the rate asked: overload, not a fixed count.
        for (long seq = next.getAndIncrement(); seq < events && System.nanoTime() < stop; seq = next.getAndIncrement()) {
          long wait = start + seq * 1_000_000_000L / settings.rate() - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
          long s = seq;
          BurstWorkloads.call(errors, () -> target.publish(accounts.get((int) (s % accounts.size())), s));
        }
      });
    }
    publishers.shutdown();
    List<Long> samples = new ArrayList<>();
    List<Long> live = new ArrayList<>();
    while (!publishers.awaitTermination(SAMPLE_NANOS, TimeUnit.NANOSECONDS)) {
      samples.add(target.heapBytes());
      live.add(target.oldGenAfterGcBytes());
    }
    samples.add(target.heapBytes());
    live.add(target.oldGenAfterGcBytes());
    double seconds = (System.nanoTime() - start) / 1e9;
    target.delete(hooks);
    long heap = samples.stream().mapToLong(Long::longValue).max().orElse(-1);
    return new Result("memory", Double.NaN, next.get() / seconds, null, null, errors.get(), 0, 0, heap,
        String.format("%d events/s for %d s to %d webhooks on %d endpoints that %s; server heap MiB"
            + " sampled every 2 s: in use, first half max %s, second half max %s; old generation after its last"
            + " collection (the live set and what G1 has not yet collected), first half max %s, second half max %s",
            settings.rate(),
            settings.duration().toSeconds(), hooks.size(), hanging.size(), hanging.describe(), half(samples, 0), half(samples, 1),
            half(live, 0), half(live, 1)));
  }

  private static String half(List<Long> samples, int which) {
    int mid = samples.size() / 2;
    List<Long> part = which == 0 ? samples.subList(0, Math.max(1, mid)) : samples.subList(mid, samples.size());
    long max = part.stream().mapToLong(Long::longValue).max().orElse(-1);
    return max < 0 ? "-" : Long.toString(max >> 20);
  }
}
