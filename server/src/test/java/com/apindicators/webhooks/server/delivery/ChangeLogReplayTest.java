package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.TestDatabase;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * An account's watch replays through the account's index: a quiet account beside a busy one reads its own changes,
 * not every change since its resume point (which let one tenant's replays of old tokens keep the replay threads on
 * scans of everyone's changes).
 */
class ChangeLogReplayTest {
  private static final String[] NONE = new String[0];

  @Test
  void aQuietAccountsReplayReadsItsOwnChangesThroughItsIndex() {
    Jdbi jdbi = TestDatabase.clean().jdbi();
    jdbi.useHandle(h -> {
      h.execute("""
          INSERT INTO delivery_changes (delivery_id, webhook_id, account_id, event_id, event_type, url, status,
              response_code, error, attempt_count, duration_ms, create_time)
          SELECT 'dlv_' || g, 'wh_' || (g % 7), CASE WHEN g % 4000 = 0 THEN 'quiet' ELSE 'busy' END, 'evt_' || g,
              'signal.buy', 'http://127.0.0.1:9/', CASE WHEN g % 8000 = 0 THEN 'FAILED' ELSE 'DELIVERED' END, 200, '',
              1, 5, now()
          FROM generate_series(1, 40000) g
          """);
      h.execute("ANALYZE delivery_changes");
    });

    List<DeliveryChange> quiet = jdbi.withHandle(h -> ChangeLog.after(h, 0, "quiet", NONE, NONE, NONE, 100));
    assertThat(quiet).hasSize(10).allSatisfy(c -> assertThat(c.delivery().accountId()).isEqualTo("quiet"))
        .isSortedAccordingTo((a, b) -> Long.compare(a.changeId(), b.changeId()));
    List<DeliveryChange> failedLater = jdbi.withHandle(h -> ChangeLog.after(h, quiet.get(4).changeId(), "quiet", NONE,
        NONE, new String[] {"FAILED"}, 100));
    assertThat(failedLater).hasSize(3).allSatisfy(c -> assertThat(c.delivery().status()).isEqualTo(DeliveryStatus.FAILED));
    List<DeliveryChange> everyone = jdbi.withHandle(h -> ChangeLog.after(h, 0, null, NONE, NONE, NONE, 100));
    assertThat(everyone).hasSize(100);

    List<String> lines = jdbi.withHandle(h -> h.createQuery("EXPLAIN (ANALYZE, BUFFERS) "
        + ChangeLog.AFTER_ACCOUNT).bind("accountId", "quiet").bind("after", 0L).bind("through", Long.MAX_VALUE)
        .bind("webhookIds", NONE)
        .bind("eventTypes", NONE).bind("statuses", NONE).bind("limit", 100).mapTo(String.class).list());
    String plan = String.join("\n", lines);
    assertThat(plan).as(plan).contains("Index Cond: ((account_id = ").doesNotContain("Seq Scan");
  }

  /**
   * A replay page reads at most its scan of the account's changes whatever its filters: a filter matching nothing
   * ends the page where its scan did (before, it read every change of the account since the token in one statement,
   * holding a replay thread shared by every tenant). Pages followed from there to the end give exactly what one
   * unbounded read gives.
   */
  @Test
  void aFilteredReplayPageReadsAtMostItsScanAndPagesFromThereMissNothing() {
    Jdbi jdbi = TestDatabase.clean().jdbi();
    jdbi.useHandle(h -> h.execute("""
        INSERT INTO delivery_changes (delivery_id, webhook_id, account_id, event_id, event_type, url, status,
            response_code, error, attempt_count, duration_ms, create_time, created_too)
        SELECT 'dlv_' || g, CASE WHEN g % 500 = 0 OR g = 1001 THEN 'wh_rare' ELSE 'wh_noise' END, 'busy', 'evt_' || g,
            'signal.buy', 'http://127.0.0.1:9/', 'DELIVERED', 200, '', 1, 5, now(), g % 2 = 0
        FROM generate_series(1, 10000) g
        """));
    long thousandth = jdbi.withHandle(h -> h.createQuery("SELECT change_id FROM delivery_changes WHERE account_id = 'busy'"
        + " ORDER BY change_id OFFSET 999 LIMIT 1").mapTo(Long.class).one());

    ChangeLog.Page nothing = jdbi.withHandle(h -> ChangeLog.replayPage(h, 0, "busy", new String[] {"wh_none"}, NONE,
        NONE, 200, 1000));
    assertThat(nothing.changes()).isEmpty();
    assertThat(nothing.readThrough()).isEqualTo(thousandth);

    String[] rare = {"wh_rare"};
    List<DeliveryChange> whole = jdbi.withHandle(h -> ChangeLog.after(h, 0, "busy", rare, NONE, NONE, 1000));
    // 21 rows, 20 of them standing for their creation too, one of those the last of the first scan (the 1,000th)
    assertThat(whole).hasSize(41);
    // A page's changes share one copy of their webhook's URL (a stream buffers up to 1,000 of them).
    assertThat(whole).allSatisfy(c -> assertThat(c.delivery().url()).isSameAs(whole.get(0).delivery().url()));
    List<DeliveryChange> paged = new java.util.ArrayList<>();
    long cursor = 0;
    int pages = 0;
    while (true) {
      long from = cursor;
      ChangeLog.Page page = jdbi.withHandle(h -> ChangeLog.replayPage(h, from, "busy", rare, NONE, NONE, 3, 1000));
      pages++;
      paged.addAll(page.changes());
      cursor = page.changes().isEmpty() ? cursor : page.changes().get(page.changes().size() - 1).changeId();
      if (page.changes().size() == 3) {
        continue;
      }
      if (page.readThrough() == 0) {
        break;
      }
      cursor = page.readThrough();
    }
    assertThat(paged).containsExactlyElementsOf(whole);
    assertThat(pages).isGreaterThanOrEqualTo(10);
  }

  /**
   * A page that fills reads its own rows only, not its scan's worth: before, every page first counted its way to the
   * bound (10,000 index entries), so a catch-up of a million changes read 50 million for 5,000 pages.
   */
  @Test
  void aFullReplayPageReadsOnlyItsRowsNotTheWholeScan() {
    Jdbi jdbi = TestDatabase.clean().jdbi();
    jdbi.useHandle(h -> {
      h.execute("""
          INSERT INTO delivery_changes (delivery_id, webhook_id, account_id, event_id, event_type, url, status,
              response_code, error, attempt_count, duration_ms, create_time)
          SELECT 'dlv_' || g, 'wh_1', 'busy', 'evt_' || g, 'signal.buy', 'http://127.0.0.1:9/', 'DELIVERED', 200, '', 1,
              5, now()
          FROM generate_series(1, 20000) g
          """);
    });
    // As autovacuum keeps it (the server's role may not): on a day partition never analyzed the planner guesses a
    // handful of rows, and sorts them all rather than read them in order (the bounded read before this did so too).
    TestDatabase.owner().useHandle(h -> h.execute("ANALYZE delivery_changes"));

    ChangeLog.Page page = jdbi.withHandle(h -> ChangeLog.replayPage(h, 0, "busy", NONE, NONE, NONE, 200, 10_000));
    assertThat(page.changes()).hasSize(200);
    // It did not ask where its scan would end (the 10,000th change: there are 20,000).
    assertThat(page.readThrough()).isZero();

    for (String replay : new String[] {ChangeLog.REPLAY_ACCOUNT, ChangeLog.REPLAY}) {
      List<String> plan = jdbi.withHandle(h -> h.createQuery("EXPLAIN (ANALYZE, TIMING OFF) " + replay)
          .bind("accountId", "busy").bind("after", 0L).bind("scan", 10_000).bind("webhookIds", NONE)
          .bind("eventTypes", NONE).bind("statuses", NONE).bind("limit", 201).mapTo(String.class).list());
      // Every node of the plan, the index scans included, produced at most the page's rows.
      List<Integer> rows = plan.stream().filter(l -> l.contains("actual rows="))
          .map(l -> Integer.parseInt(l.replaceAll(".*actual rows=(\\d+).*", "$1"))).toList();
      assertThat(rows).as(String.join("\n", plan)).isNotEmpty().allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(201));
    }
  }
}
