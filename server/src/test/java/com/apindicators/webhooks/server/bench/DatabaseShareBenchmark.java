package com.apindicators.webhooks.server.bench;

import com.apindicators.webhooks.server.delivery.AttemptResult;
import com.apindicators.webhooks.server.delivery.DeliveryJob;
import com.apindicators.webhooks.server.delivery.NewDeliveries;
import com.apindicators.webhooks.server.delivery.Outcome;
import com.apindicators.webhooks.server.delivery.ResultWriter;
import com.apindicators.webhooks.server.events.EventJson;
import com.apindicators.webhooks.server.events.NewEvent;
import com.apindicators.webhooks.server.events.Publisher;
import com.apindicators.webhooks.server.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;

/**
 * The database's share of a delivery, measured alone: the throughput workload's writes on embedded PostgreSQL
 * with no gRPC, no HTTP and no receiver. Publishing threads call {@link Publisher#publish} (the server's statement,
 * committed synchronously) for events to every webhook of one account; each delivery made is logged as created and
 * recorded delivered (a 204 at once) through the {@link ResultWriter}, as the server does when a receiver answers
 * instantly. Prints deliveries/s and the CPU per delivery of PostgreSQL's processes and of this JVM: PostgreSQL's
 * CPU per delivery bounds what the server can deliver on this machine whatever its own code costs (no speed is
 * asserted anywhere). Args: webhooks, events per round, publishing threads, rounds (the first warms up), and
 * {@code publish-only} to measure the publish's statement alone (the deliveries are left pending, nothing logged).
 * Run: see README "Benchmarks".
 */
public final class DatabaseShareBenchmark {
  private static final String NODE = "bench";
  /** How long a round's results may take to be written before the benchmark gives up. */
  private static final Duration WAIT = Duration.ofMinutes(5);
  private static final String DATA = "{\"pair\":\"BTCUSDT\",\"interval\":\"1h\",\"score\":0.8}";

  public static void main(String[] args) throws Exception {
    int webhooks = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int events = args.length > 1 ? Integer.parseInt(args[1]) : 600;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 4;
    boolean publishOnly = args.length > 4 && args[4].equals("publish-only");
    Path dir = Files.createTempDirectory("webhooks-db-share-bench");
    try (Database db = Database.embedded(dir, threads + 2)) {
      PostgresCpu cpu = new PostgresCpu(dir);
      Jdbi jdbi = db.jdbi();
      jdbi.useHandle(h -> BenchRows.accountWithWebhooks(h, webhooks));
      AtomicLong written = new AtomicLong();
      EventJson.Data data = EventJson.parse(DATA);
      System.out.printf("%d events x %d webhooks per round, %d publishing threads, %d rounds (the first warms up);"
          + " %d cores%s%n", events, webhooks, threads, rounds, Runtime.getRuntime().availableProcessors(),
          publishOnly ? "; the publish alone" : "");
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try (ResultWriter writer = new ResultWriter(jdbi, NODE, written::addAndGet)) {
        Publisher publisher = new Publisher(jdbi, NODE, 600_000, new InstantReceiver(writer, publishOnly));
        for (int round = 1; round <= rounds; round++) {
          Duration pgBefore = cpu.postgres();
          Duration jvmBefore = PostgresCpu.jvm();
          WalVolume walBefore = WalVolume.read(jdbi);
          long[] changesBefore = changeRows(jdbi);
          long writtenBefore = written.get();
          long start = System.nanoTime();
          List<Future<Long>> publishing = new ArrayList<>();
          for (int t = 0; t < threads; t++) {
            int share = events / threads + (t < events % threads ? 1 : 0);
            publishing.add(pool.submit(() -> {
              long made = 0;
              for (int i = 0; i < share; i++) {
                made += publisher.publish(new NewEvent("signal.buy", data, BenchRows.ACCOUNT, null, null)).deliveriesCreated();
              }
              return made;
            }));
          }
          long deliveries = 0;
          for (Future<Long> f : publishing) {
            deliveries += f.get();
          }
          if (deliveries != (long) events * webhooks) {
            throw new IllegalStateException("made " + deliveries + " deliveries, not " + (long) events * webhooks);
          }
          // Every delivery is two items of the writer: its creation, then its outcome. Polls a counter, not the
          // database, so the measured CPU is the pipeline's.
          long target = publishOnly ? 0 : writtenBefore + 2 * deliveries;
          long deadline = System.nanoTime() + WAIT.toNanos();
          while (written.get() < target) {
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException("the result writer wrote " + (written.get() - writtenBefore) + " of "
                  + 2 * deliveries + " items within " + WAIT.toSeconds() + " s");
            }
            Thread.sleep(2);
          }
          double seconds = (System.nanoTime() - start) / 1e9;
          String wal = WalVolume.read(jdbi).per(walBefore, deliveries);
          double pgUs = cpu.postgres().minus(pgBefore).toNanos() / 1e3 / deliveries;
          double jvmUs = PostgresCpu.jvm().minus(jvmBefore).toNanos() / 1e3 / deliveries;
          if (writer.staleOutcomes() + writer.setAsideOutcomes() > 0) {
            throw new IllegalStateException(writer.staleOutcomes() + " outcomes were stale and "
                + writer.setAsideOutcomes() + " set aside: not every delivery was recorded as delivered");
          }
          int cores = Runtime.getRuntime().availableProcessors();
          System.out.printf("round %d: %d deliveries %s in %.2f s = %.0f/s; CPU per delivery: PostgreSQL %.1f us"
              + " (at least), this JVM %.1f us; PostgreSQL alone allows at most %.0f/s on %d cores%n", round,
              deliveries, publishOnly ? "published" : "published, logged and recorded", seconds,
              deliveries / seconds, pgUs, jvmUs, cores * 1e6 / pgUs, cores);
          System.out.printf("round %d: a delivery wrote %s%n", round, wal);
          long[] changes = changeRows(jdbi);
          System.out.printf("round %d: %.2f change-log rows a delivery, %.2f of them standing for its creation too%n",
              round, (changes[0] - changesBefore[0]) / (double) deliveries,
              (changes[1] - changesBefore[1]) / (double) deliveries);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /** The change log's rows, and those of them that stand for a creation too (read after the round's CPU). */
  private static long[] changeRows(Jdbi jdbi) {
    return jdbi.withHandle(h -> h.createQuery(
        "SELECT count(*) AS all_rows, count(*) FILTER (WHERE created_too) AS merged FROM delivery_changes")
        .map((rs, ctx) -> new long[] {rs.getLong("all_rows"), rs.getLong("merged")}).one());
  }

  /** Logs each new delivery's creation, then records it delivered: a receiver that answers 204 at once. */
  private record InstantReceiver(ResultWriter writer, boolean publishOnly) implements NewDeliveries {
    @Override
    public Room room(String accountId, int dataChars) {
      return new Room(Integer.MAX_VALUE, new String[0]);
    }

    @Override
    public void accept(List<DeliveryJob> created, List<DeliveryJob> handed) {
      if (publishOnly) {
        return;
      }
      writer.created(created.stream().map(DeliveryJob::deliveryId).toList(), id -> false);
      for (DeliveryJob job : handed) {
        writer.submit(Outcome.of(job, new AttemptResult(Instant.now(), Duration.ofMillis(1), 204, "", "", null)));
      }
    }
  }
}
