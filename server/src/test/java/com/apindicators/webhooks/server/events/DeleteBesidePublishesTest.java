package com.apindicators.webhooks.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.registry.DeleteStoppedException;
import com.apindicators.webhooks.server.registry.Webhooks;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.store.Database;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.awaitility.Awaitility;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A webhook's delete beside publishes to it: each step of the delete marks the webhook first, so publishes neither
 * make deliveries for it nor lock it while it is deleted, and its last step waits only for the publishes already in
 * progress. Before, publishes that kept overlapping (each taking its {@code KEY SHARE} lock before the one before it
 * committed) held the last step, and one of the process's two delete permits, for as long as they went on.
 */
class DeleteBesidePublishesTest {
  private static final String DATA = "{\"pair\":\"BTCUSDT\",\"score\":0.9}";
  private final ExecutorService caller = Executors.newSingleThreadExecutor();
  private final List<String> deleted = new CopyOnWriteArrayList<>();
  private Database db;
  private Publisher publisher;
  private Webhooks webhooks;

  @BeforeEach
  void oneAccountWithTwoWebhooksAndAnotherWithOne() {
    db = TestDatabase.clean();
    db.jdbi().useHandle(h -> {
      h.execute("INSERT INTO accounts (account_id) VALUES ('one'), ('two')");
      for (String id : new String[] {"wh_one_0", "wh_one_1", "wh_two_0"}) {
        h.execute("INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)"
            + " VALUES (?, ?, 'n', 'http://127.0.0.1:9/', ARRAY['signal.buy'], 's', 'h')", id, id.split("_")[1]);
      }
    });
    publisher = new Publisher(db.jdbi(), "node", 60_000, new Handed(0));
    webhooks = new Webhooks(db.jdbi(), SecretBox.random(), deleted::add);
  }

  @AfterEach
  void stop() {
    caller.shutdownNow();
  }

  @Test
  void publishesThatKeepOverlappingDoNotHoldTheDeleteBack() throws Exception {
    PublishedEvent earlier = publisher.publish(event("one")).event();
    try (Handle first = db.jdbi().open(); Handle second = db.jdbi().open()) {
      // A publish in progress holds account one's webhooks; the delete's last step waits for it.
      first.begin();
      assertThat(EventDao.publish(first, publication(), "node", 60_000)).hasSize(2);
      Future<Boolean> delete = caller.submit(() -> webhooks.delete("wh_one_0", "one", () -> false));
      awaitBlockedBy(first);

      // Publishes that start now skip the webhook: no delivery for it, no lock on it, no wait.
      second.begin();
      assertThat(EventDao.publish(second, publication(), "node", 60_000)).hasSize(1)
          .allSatisfy(row -> assertThat(row.job().webhookId()).isEqualTo("wh_one_1"));
      assertThat(publisher.publish(event(null)).deliveriesCreated()).as("a broadcast").isEqualTo(2);
      assertThat(publisher.resend(earlier, List.of("wh_one_0", "wh_one_1"))).as("a resend naming it").hasSize(1);

      // The publish in progress commits: the delete goes through while the second one is still open.
      first.commit();
      assertThat(delete.get(10, TimeUnit.SECONDS)).isTrue();
      second.commit();
    }
    assertThat(deleted).containsExactly("wh_one_0");
    assertThat(deliveries("wh_one_0")).isZero();
    assertThat(deliveries("wh_one_1")).isEqualTo(5);
    assertThat(deliveries("wh_two_0")).isEqualTo(1);
  }

  @Test
  void aDeleteThatStopsClearsItsMarkAndAnotherDeleteFinishes() throws Exception {
    // One more delivery than a chunk: the delete stops after its first chunk, before its next step.
    oneMoreDeliveryThanAChunk();
    List<String> marks = new CopyOnWriteArrayList<>();
    DeleteStoppedException stopped = Assertions.catchThrowableOfType(() -> webhooks.delete("wh_one_0", "one", () -> {
      marks.add(mark("wh_one_0"));
      return deliveries("wh_one_0") < 1001;
    }), DeleteStoppedException.class);
    assertThat(stopped.deliveriesDeleted()).isEqualTo(1000);
    assertThat(marks).as("not marked before the first step").hasSize(2).first().isEqualTo("none");
    assertThat(marks.get(1)).as("marked for 2 minutes before the second")
        .satisfies(DeleteBesidePublishesTest::aboutTwoMinutes);
    assertThat(mark("wh_one_0")).as("cleared once stopped").isEqualTo("none");
    assertThat(deleted).isEmpty();
    assertThat(publisher.publish(event("one")).deliveriesCreated()).isEqualTo(2);

    assertThat(webhooks.delete("wh_one_0", "one", () -> false)).isTrue();
    assertThat(deleted).containsExactly("wh_one_0");
    assertThat(deliveries("wh_one_0")).isZero();
    assertThat(webhooks.delete("wh_one_0", "one", () -> false)).as("deleted already").isFalse();
  }

  @Test
  void aStoppedDeleteLeavesAMarkAnotherProcessSetSince() throws Exception {
    oneMoreDeliveryThanAChunk();
    Assertions.catchThrowableOfType(() -> webhooks.delete("wh_one_0", "one", () -> {
      if (deliveries("wh_one_0") == 1001) {
        return false;
      }
      // After the first chunk: another process's delete of the webhook marks it anew, then this one stops.
      db.jdbi().useHandle(h -> h.execute(
          "UPDATE webhooks SET deleting_until = now() + interval '90 seconds' WHERE webhook_id = 'wh_one_0'"));
      return true;
    }), DeleteStoppedException.class);
    assertThat(Integer.parseInt(mark("wh_one_0"))).as("the other delete's mark").isBetween(70, 90);
  }

  @Test
  void aMarkLeftByAProcessThatEndedRunsOut() throws Exception {
    db.jdbi().useHandle(h -> h.execute(
        "UPDATE webhooks SET deleting_until = now() + interval '2 minutes' WHERE webhook_id = 'wh_one_0'"));
    assertThat(publisher.publish(event("one")).deliveriesCreated()).as("while marked").isEqualTo(1);
    assertThat(deliveries("wh_one_0")).isZero();
    // The two minutes pass.
    db.jdbi().useHandle(h -> h.execute("UPDATE webhooks SET deleting_until = now() - interval '1 second'"));
    assertThat(publisher.publish(event("one")).deliveriesCreated()).as("once the mark ran out").isEqualTo(2);
  }

  @Test
  void deletesWaitingForPublishesInProgressGiveTheirPermitsBackAndAnotherAccountsDeleteGoesThrough()
      throws Exception {
    db.jdbi().useHandle(h -> {
      h.execute("INSERT INTO accounts (account_id) VALUES ('three')");
      h.execute("INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)"
          + " VALUES ('wh_three_0', 'three', 'n', 'http://127.0.0.1:9/', ARRAY['signal.buy'], 's', 'h')");
    });
    Webhooks hurried = new Webhooks(db.jdbi(), SecretBox.random(), deleted::add, Duration.ofMillis(300));
    ExecutorService callers = Executors.newFixedThreadPool(3);
    try (Handle inProgress = db.jdbi().open()) {
      // Publishes in progress (held open here) hold both accounts' webhooks; their deletes take both permits.
      inProgress.begin();
      inProgress.createQuery("SELECT webhook_id FROM webhooks WHERE webhook_id IN ('wh_one_0', 'wh_two_0')"
          + " FOR KEY SHARE").mapTo(String.class).list();
      Future<Boolean> one = callers.submit(() -> hurried.delete("wh_one_0", "one", () -> false));
      Future<Boolean> two = callers.submit(() -> hurried.delete("wh_two_0", "two", () -> false));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> hurried.deletesWaitingForPermit() > 0
          || TestDatabase.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
          + " AND query LIKE '%DELETE FROM webhooks%'") == 2);
      // Each gives its permit back after 0.3 s of waiting, and goes back into line behind this one.
      Future<Boolean> three = callers.submit(() -> hurried.delete("wh_three_0", "three", () -> false));
      assertThat(three.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(one.isDone() || two.isDone()).as("still held by the publishes in progress").isFalse();
      assertThat(mark("wh_one_0")).satisfies(DeleteBesidePublishesTest::aboutTwoMinutes);
      inProgress.commit();
      assertThat(one.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(two.get(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      callers.shutdownNow();
    }
    assertThat(deleted).containsExactlyInAnyOrder("wh_three_0", "wh_one_0", "wh_two_0");
    assertThat(TestDatabase.count("SELECT count(*) FROM webhooks")).isEqualTo(1);
  }

  /** A mark set for 2 minutes, read up to 20 s later (a loaded machine). */
  private static void aboutTwoMinutes(String seconds) {
    assertThat(Integer.parseInt(seconds)).isBetween(100, 120);
  }

  /** The webhook's mark, in whole seconds from now rounded up, or "none". */
  private static String mark(String webhookId) {
    return TestDatabase.get().jdbi().withHandle(h -> h.createQuery("SELECT coalesce(CAST(ceil(extract(epoch FROM"
        + " deleting_until - now())) AS text), 'none') FROM webhooks WHERE webhook_id = :id").bind("id", webhookId)
        .mapTo(String.class).one());
  }

  /** wh_one_0 with 1,001 deliveries: its delete takes a chunk, then has a step to go. */
  private void oneMoreDeliveryThanAChunk() throws Exception {
    publisher.publish(event("one"));
    db.jdbi().useHandle(h -> h.execute("""
        INSERT INTO deliveries (delivery_id, event_id, webhook_id, account_id, event_type, url, status,
            max_attempts, retry_initial_ms, retry_max_ms, attempt_count, complete_time)
        SELECT 'dlv_bulk_' || g, event_id, webhook_id, account_id, event_type, url, 'FAILED', 1, 1000, 1000, 1, now()
        FROM deliveries, generate_series(1, 1000) g WHERE webhook_id = 'wh_one_0'
        """));
  }

  private void awaitBlockedBy(Handle holder) {
    int pid = holder.createQuery("SELECT pg_backend_pid()").mapTo(Integer.class).one();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count(
        "SELECT count(*) FROM pg_stat_activity WHERE " + pid + " = ANY(pg_blocking_pids(pid))") == 1);
  }

  private static int deliveries(String webhookId) {
    return TestDatabase.count("SELECT count(*) FROM deliveries WHERE webhook_id = '" + webhookId + "'");
  }

  private static EventDao.Publication publication() {
    return new EventDao.Publication(new EventDao.Targets("signal.buy", "one", true, "BTCUSDT", null, 0.9,
        new String[0]), Instant.now(), DATA, null, null);
  }

  private static NewEvent event(String accountId) throws EventJson.InvalidDataException {
    return new NewEvent("signal.buy", EventJson.parse(DATA), accountId, null, null);
  }
}
