package com.apindicators.webhooks.server.store;

import static com.apindicators.webhooks.server.OldRows.noonDaysAgo;
import static com.apindicators.webhooks.server.OldRows.partition;
import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.OldRows;
import com.apindicators.webhooks.server.TestDatabase;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retention by day partitions (migration V9) on real PostgreSQL: what is dropped, what is kept, and why. */
class RetentionTest {
  private static final String[] TABLES = {"events", "deliveries", "delivery_attempts", "delivery_changes"};
  private Jdbi jdbi;
  private OldRows old;

  @BeforeEach
  void cleanTables() {
    jdbi = TestDatabase.clean().jdbi();
    new Retention(jdbi, 1, 1).retire(); // days other tests made
    old = new OldRows(jdbi);
    jdbi.useHandle(h -> {
      h.execute("INSERT INTO accounts (account_id) VALUES ('acme')");
      h.execute("""
          INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)
          VALUES ('wh_1', 'acme', 'hook', 'http://127.0.0.1:9/', '{signal.buy}', 'x', 'x')
          """);
    });
  }

  @AfterEach
  void dropDays() {
    new Retention(jdbi, 1, 1).retire();
  }

  private String deliveredOn(Instant at) {
    return old.delivery(old.event("acme", at), "wh_1", at, null);
  }

  private int count(String sql) {
    return jdbi.withHandle(h -> h.createQuery(sql).mapTo(Integer.class).one());
  }

  @Test
  void retireDropsTheWholeDaysPastRetentionAndKeepsTheYoungerOnes() {
    Instant[] days = {noonDaysAgo(40), noonDaysAgo(31), noonDaysAgo(30), noonDaysAgo(3)};
    for (Instant day : days) {
      deliveredOn(day);
    }
    String youngest = deliveredOn(noonDaysAgo(3));

    List<String> dropped = new Retention(jdbi, 30, 7).retire();

    // Days before (today - 30) go; the change log keeps 7 days.
    for (String table : TABLES) {
      assertThat(dropped).contains(partition(table, days[0]), partition(table, days[1]));
      assertThat(old.exists(partition(table, days[0]))).isFalse();
    }
    for (String table : new String[] {"events", "deliveries", "delivery_attempts"}) {
      assertThat(old.exists(partition(table, days[2]))).as(table).isTrue();
      assertThat(old.exists(partition(table, days[3]))).as(table).isTrue();
    }
    assertThat(dropped).contains(partition("delivery_changes", days[2]));
    assertThat(old.exists(partition("delivery_changes", days[3]))).isTrue();
    assertThat(count("SELECT count(*) FROM deliveries")).isEqualTo(3);
    assertThat(count("SELECT count(*) FROM events")).isEqualTo(3);
    assertThat(count("SELECT count(*) FROM delivery_attempts")).isEqualTo(3);
    assertThat(count("SELECT count(*) FROM delivery_changes")).isEqualTo(2);
    assertThat(count("SELECT count(*) FROM deliveries WHERE delivery_id = '" + youngest + "'")).isEqualTo(1);
    // Today's partitions and those ahead are never retired.
    assertThat(old.exists(partition("deliveries", Instant.now()))).isTrue();
  }

  @Test
  void aDayWithAPendingDeliveryStaysAndSoDoTheDaysAfterIt() {
    String pending = old.delivery(old.event("acme", noonDaysAgo(40)), "wh_1", noonDaysAgo(40),
        Instant.now().plus(1, ChronoUnit.HOURS));
    deliveredOn(noonDaysAgo(35));

    List<String> dropped = new Retention(jdbi, 30, 7).retire();

    assertThat(dropped).noneMatch(t -> t.startsWith("deliveries") || t.startsWith("events") || t.startsWith("delivery_attempts"));
    assertThat(count("SELECT count(*) FROM deliveries")).isEqualTo(2);

    jdbi.useHandle(h -> h.execute("UPDATE deliveries SET status = 'FAILED', next_attempt_time = NULL WHERE delivery_id = ?", pending));
    new Retention(jdbi, 30, 7).retire();
    assertThat(count("SELECT count(*) FROM deliveries")).isZero();
    assertThat(count("SELECT count(*) FROM events")).isZero();
  }

  @Test
  void aDayWhoseEventAYoungerPendingDeliveryStillNeedsStays() {
    // ResendEvent of an old event makes a delivery today that is sent with that day's event.
    String event = old.event("acme", noonDaysAgo(40));
    old.delivery(event, "wh_1", Instant.now(), Instant.now().plus(1, ChronoUnit.HOURS));

    new Retention(jdbi, 30, 7).retire();

    assertThat(count("SELECT count(*) FROM events WHERE event_id = '" + event + "'")).isEqualTo(1);
  }

  @Test
  void severalProcessesCreatingTheSamePartitionsAtOnceMakeEachOnce() throws Exception {
    // Each thread works on its own connection: its own database session, as a separate server process would.
    LocalDate first = LocalDate.now(ZoneOffset.UTC).plusDays(400);
    LocalDate last = first.plusDays(9);
    int processes = 4;
    CyclicBarrier start = new CyclicBarrier(processes);
    ExecutorService pool = Executors.newFixedThreadPool(processes);
    try {
      List<Future<Integer>> made = new ArrayList<>();
      for (int i = 0; i < processes; i++) {
        made.add(pool.submit(() -> {
          start.await();
          return jdbi.withHandle(h -> h.createQuery("SELECT webhooks_create_partitions(CAST(:a AS date), CAST(:b AS date))")
              .bind("a", first.toString()).bind("b", last.toString()).mapTo(Integer.class).one());
        }));
      }
      int total = 0;
      for (Future<Integer> f : made) {
        total += f.get();
      }
      assertThat(total).isEqualTo(10 * TABLES.length);
      assertThat(count("""
          SELECT count(*) FROM pg_class WHERE relname ~ '_p[0-9]{8}$'
            AND to_date(right(relname, 8), 'YYYYMMDD') BETWEEN CAST('%s' AS date) AND CAST('%s' AS date)
          """.formatted(first, last))).isEqualTo(10 * TABLES.length);
    } finally {
      pool.shutdownNow();
      TestDatabase.owner().useHandle(h -> {
        for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
          for (String t : TABLES) {
            h.execute("DROP TABLE IF EXISTS " + t + "_p" + d.toString().replace("-", ""));
          }
        }
      });
    }
  }

  @Test
  void createAheadMakesTodayAndTheNextDaysOnceWhateverManyProcessesCallIt() {
    Retention a = new Retention(jdbi, 30, 7);
    Retention b = new Retention(jdbi, 30, 7);
    a.createAhead();
    assertThat(b.createAhead()).isZero();
    for (int d = 0; d <= Retention.DAYS_AHEAD; d++) {
      for (String t : TABLES) {
        assertThat(old.exists(partition(t, Instant.now().plus(d, ChronoUnit.DAYS)))).as(t + " +" + d).isTrue();
      }
    }
  }

  @Test
  void retentionFlagsOutsideOneToTenYearsAreRefusedBeforeAnythingStarts() {
    for (String[] args : new String[][] {{"--retention-days", "0"}, {"--change-log-days", "-1"},
        {"--retention-days", "3651"}}) {
      java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
      java.io.PrintStream original = System.err;
      int code;
      System.setErr(new java.io.PrintStream(err, true));
      try {
        code = new picocli.CommandLine(new com.apindicators.webhooks.server.Main()).execute(args);
      } finally {
        System.setErr(original);
      }
      assertThat(code).as(String.join(" ", args)).isEqualTo(2);
      assertThat(err.toString()).contains("--retention-days and --change-log-days must be 1-3650");
    }
  }

  @Test
  void idsCarryTheirCreationTimeAlikeInJavaAndInTheDatabase() {
    Instant at = Instant.parse("2026-10-20T23:59:59.999Z");
    String id = jdbi.withHandle(h -> h.createQuery("SELECT webhooks_time_id('dlv_', :at)")
        .bind("at", Timestamp.from(at)).mapTo(String.class).one());
    assertThat(id).matches("dlv_[0-9a-f]{32}");
    assertThat(Ids.time(id)).contains(at);
    Instant inSql = jdbi.withHandle(h -> h.createQuery("SELECT webhooks_id_time(:id)").bind("id", id)
        .mapTo(Instant.class).one());
    assertThat(inSql).isEqualTo(at);
    for (String edge : new String[] {"x_00000000000070000000000000000000", "dlv_ffffffffffff7fffffffffffffffffff"}) {
      Instant inJava = Ids.time(edge).orElseThrow();
      assertThat(inJava).isEqualTo(edge.startsWith("x_") ? Instant.EPOCH : Instant.ofEpochMilli(0xffffffffffffL));
      Instant edgeInSql = jdbi.withHandle(h -> h.createQuery("SELECT webhooks_id_time(:id)").bind("id", edge)
          .mapTo(Instant.class).one());
      // SQL divides the milliseconds by 1000.0 (a double): exact for real times, microseconds off in year 10889.
      assertThat(Duration.between(inJava, edgeInSql).abs()).as(edge).isLessThan(Duration.ofMillis(1));
    }
    // Ids made before V9 carry none: a v4 UUID, a base62 event id; and hostile look-alikes: upper case, one digit
    // short or long, no prefix, a prefix not of a-z, a second '_', other scripts' digits (Arabic-Indic, full-width).
    for (String legacy : new String[] {"dlv_0123456789ab4def8123456789abcdef", "evt_3kTMd8fQ2xAbCdEfGhIjKl",
        "dlv_0123456789AB7DEF8123456789ABCDEF", "dlv_ffffffffffff7fff8123456789abcdef0", "dlv_",
        "dlv_0123456789ab7def8123456789abcde", "_0123456789ab7def8123456789abcdef", "dLv_0123456789ab7def8123456789abcdef",
        "d1v_0123456789ab7def8123456789abcdef", "dlv__123456789ab7def8123456789abcdef",
        "dlv_0123456789ab7def8123456789abcd_f", "dlv_\u0660123456789ab7def8123456789abcdef",
        "dlv_\uff10123456789ab7def8123456789abcdef", "dlv_0123456789ab7def8123456789abcdeg", ""}) {
      boolean none = jdbi.withHandle(h -> h.createQuery("SELECT webhooks_id_time(:id) IS NULL").bind("id", legacy)
          .mapTo(Boolean.class).one());
      assertThat(none).as(legacy).isTrue();
      assertThat(Ids.time(legacy)).as(legacy).isEmpty();
    }
  }
}
