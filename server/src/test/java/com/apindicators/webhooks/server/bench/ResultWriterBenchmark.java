package com.apindicators.webhooks.server.bench;

import com.apindicators.webhooks.server.delivery.AttemptResult;
import com.apindicators.webhooks.server.delivery.DeliveryJob;
import com.apindicators.webhooks.server.delivery.Outcome;
import com.apindicators.webhooks.server.delivery.ResultWriter;
import com.apindicators.webhooks.server.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * The result writer alone on embedded PostgreSQL: outcomes per second it records, each batch spread over every
 * webhook (as a broadcast's fan-out is), one in ten a failure. No HTTP, no dispatcher, so the database work per batch
 * is what is measured. Args: webhooks, outcomes per round, rounds. Run: see README "Benchmarks".
 */
public final class ResultWriterBenchmark {
  private static final String NODE = "bench";

  public static void main(String[] args) throws Exception {
    int webhooks = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int outcomes = args.length > 1 ? Integer.parseInt(args[1]) : 60_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Path dir = Files.createTempDirectory("webhooks-rw-bench");
    try (Database db = Database.embedded(dir, 8)) {
      PostgresCpu cpu = new PostgresCpu(dir);
      Jdbi jdbi = db.jdbi();
      jdbi.useHandle(h -> {
        BenchRows.accountWithWebhooks(h, webhooks);
        h.execute("INSERT INTO events (event_id, type, event_time, data_json) VALUES ('evt_1', 'signal.buy', now(), '{}')");
        h.createUpdate("""
            INSERT INTO deliveries (delivery_id, event_id, webhook_id, account_id, event_type, url, status, max_attempts,
                retry_initial_ms, retry_max_ms, next_attempt_time)
            SELECT 'dlv_' || i, 'evt_1', 'wh_' || (i % :w), 'acct', 'signal.buy', 'http://127.0.0.1:9/', 'PENDING', 1,
                1000, 60000, now()
            FROM generate_series(0, :n - 1) i
            """).bind("w", webhooks).bind("n", outcomes).execute();
      });
      List<Outcome> all = new ArrayList<>(outcomes);
      for (int i = 0; i < outcomes; i++) {
        DeliveryJob job = new DeliveryJob("dlv_" + i, "wh_" + (i % webhooks), "acct", "http://127.0.0.1:9/", "x", null,
            "signal.buy", Instant.now(), "{}", 1, 1, 1000, 60000);
        boolean ok = i % 10 != 0;
        all.add(Outcome.of(job, new AttemptResult(Instant.now(), Duration.ofMillis(1 + i % 50), ok ? 200 : 500,
            ok ? "ok" : "no", ok ? "" : "HTTP 500", null)));
      }
      System.out.printf("%d outcomes per round over %d webhooks, %d rounds%n", outcomes, webhooks, rounds);
      for (int round = 1; round <= rounds; round++) {
        jdbi.useHandle(h -> {
          h.execute("DELETE FROM delivery_changes");
          h.execute("""
              UPDATE deliveries SET status = 'PENDING', attempt_count = 0, complete_time = NULL, lease_owner = 'bench',
                  lease_until = now() + interval '1 hour', attempt_start_time = NULL
              """);
          // After the reset: making a final delivery pending again logs its final attempt (V13's trigger).
          h.execute("DELETE FROM delivery_attempts");
        });
        long start = System.nanoTime();
        Duration cpuBefore = PostgresCpu.jvm().plus(cpu.postgres());
        try (ResultWriter writer = new ResultWriter(jdbi, NODE)) {
          all.forEach(writer::submit);
          // Polls the queue, not the database, so the measured CPU is the writer's.
          while (writer.queued() > 0 || count(jdbi) < outcomes) {
            Thread.sleep(5);
          }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Duration used = PostgresCpu.jvm().plus(cpu.postgres()).minus(cpuBefore);
        // CPU time depends less than wall time on what else the machine runs.
        System.out.printf("round %d: %d outcomes recorded in %.2f s = %.0f outcomes/s; CPU %.2f s (JVM + PostgreSQL)"
            + " = %.0f us per outcome%n", round, outcomes, seconds, outcomes / seconds, used.toMillis() / 1e3,
            used.toNanos() / 1e3 / outcomes);
      }
    }
  }

  private static long count(Jdbi jdbi) {
    return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM delivery_attempt_log").mapTo(Long.class).one());
  }
}
