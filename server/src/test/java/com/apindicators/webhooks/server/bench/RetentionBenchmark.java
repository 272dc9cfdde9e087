package com.apindicators.webhooks.server.bench;

import com.apindicators.webhooks.server.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TimeZone;
import org.jdbi.v3.core.Jdbi;

/**
 * Retiring a day: fills one past day's partitions with {@code rows} deliveries (and one attempt each), then times
 * the two steps of {@code Retention.retire()} retiring it, beside a DELETE of the same number of rows from another
 * day for comparison. Run: see README "Benchmarks".
 */
public final class RetentionBenchmark {
  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    // Partitions are cut at UTC midnight; the driver gives each session the JVM's zone, which current_date follows.
    TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
    Path dir = Files.createTempDirectory("webhooks-bench");
    try (Database db = Database.embedded(dir, 4)) {
      Jdbi jdbi = db.jdbi();
      jdbi.useHandle(h -> {
        h.execute("INSERT INTO accounts (account_id) VALUES ('acme')");
        h.execute("""
            INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)
            VALUES ('wh_1', 'acme', 'hook', 'http://127.0.0.1:9/', '{signal.buy}', 'x', 'x')
            """);
      });
      // Day 40 back is retired; day 35 back is deleted, for comparison.
      fill(jdbi, 40, rows);
      fill(jdbi, 35, rows);
      // A 37-day retention retires day 40 back alone.
      // The two steps of Retention.retire(), timed apart: the detach holds the tables' locks, the drop does not.
      long t0 = System.nanoTime();
      List<String> dropped = jdbi.inTransaction(h -> h.createQuery("SELECT * FROM webhooks_retire(37, 37, 2000)")
          .mapTo(String.class).list());
      long detached = System.nanoTime();
      jdbi.useHandle(h -> h.createQuery("SELECT * FROM webhooks_drop_detached()").mapTo(String.class).list());
      long t1 = System.nanoTime();
      int deleted = jdbi.inTransaction(h -> h.createUpdate("""
          DELETE FROM delivery_attempts WHERE delivery_create_time >= current_date - 35 AND delivery_create_time < current_date - 34
          """).execute() + h.createUpdate("""
          DELETE FROM deliveries WHERE create_time >= current_date - 35 AND create_time < current_date - 34
          """).execute());
      long t2 = System.nanoTime();
      System.out.printf("retiring %s: %,.1f ms (detach, holding the locks, committed: %,.1f ms; drop: %,.1f ms)%n",
          dropped, (t1 - t0) / 1e6, (detached - t0) / 1e6, (t1 - detached) / 1e6);
      System.out.printf("for comparison, DELETE of %,d deliveries and their attempts (%,d rows): %,.0f ms"
          + " (and the dead rows still to vacuum)%n", rows, deleted, (t2 - t1) / 1e6);
    }
  }

  private static void fill(Jdbi jdbi, int daysAgo, int rows) {
    long t0 = System.nanoTime();
    jdbi.useHandle(h -> {
      h.createQuery("SELECT webhooks_create_partitions(current_date - :d, current_date - :d)").bind("d", daysAgo)
          .mapTo(Integer.class).one();
      h.createUpdate("""
          INSERT INTO deliveries (delivery_id, event_id, webhook_id, account_id, event_type, url, status, attempt_count,
              max_attempts, retry_initial_ms, retry_max_ms, create_time, complete_time)
          SELECT webhooks_time_id('dlv_', t), 'evt_x', 'wh_1', 'acme', 'signal.buy', 'http://127.0.0.1:9/', 'DELIVERED',
              1, 1, 1000, 1000, t, t
          FROM generate_series(1, :rows) g, LATERAL (SELECT (current_date - :d) + g * interval '80 milliseconds' AS t) x
          """).bind("rows", rows).bind("d", daysAgo).execute();
      h.createUpdate("""
          INSERT INTO delivery_attempts (delivery_id, attempt, start_time, duration_ms, response_code, response_body,
              error, delivery_create_time)
          SELECT delivery_id, 1, create_time, 5, 200, 'ok', '', create_time FROM deliveries
          WHERE create_time >= current_date - :d AND create_time < current_date - :d + 1
          """).bind("d", daysAgo).execute();
      h.execute("VACUUM ANALYZE deliveries, delivery_attempts");
    });
    System.out.printf("filled day -%d with %,d deliveries and attempts in %.1f s%n", daysAgo, rows,
        (System.nanoTime() - t0) / 1e9);
  }
}
