package com.apindicators.webhooks.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.registry.WebhookDao;
import com.apindicators.webhooks.server.store.Database;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A publish that reads a webhook while its deletion commits: it waits for the delete, then goes to the other
 * targets and makes no delivery for the deleted webhook, instead of failing the whole event (a tenant deleting its
 * webhook failed every broadcast that read it then). A delete rolled back loses the publish nothing, and a delete
 * that comes to a webhook a publish holds waits for it and deletes what it made: no delivery outlives its webhook.
 * A webhook being updated does not hold a publish up, and a publish aborted to break a deadlock runs again.
 */
class PublishBesideDeleteTest {
  private static final String DATA = "{\"pair\":\"BTCUSDT\",\"score\":0.9}";
  private final ExecutorService caller = Executors.newSingleThreadExecutor();
  private Database db;
  private Publisher publisher;

  @BeforeEach
  void twoAccountsWithTwoWebhooksEach() {
    db = TestDatabase.clean();
    db.jdbi().useHandle(h -> {
      for (String account : new String[] {"one", "two"}) {
        h.execute("INSERT INTO accounts (account_id) VALUES (?)", account);
        for (int i = 0; i < 2; i++) {
          h.execute("INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)"
              + " VALUES (?, ?, 'n', 'http://127.0.0.1:9/', ARRAY['signal.buy'], 's', 'h')",
              "wh_" + account + "_" + i, account);
        }
      }
    });
    publisher = new Publisher(db.jdbi(), "node", 60_000, new Handed(0));
  }

  @AfterEach
  void stop() {
    caller.shutdownNow();
  }

  @Test
  void anAccountsPublishWaitsForTheDeleteAndGoesToTheOtherWebhook() throws Exception {
    assertDeletedWebhookIsSkipped("wh_one_0", () -> publisher.publish(event("one", null)).deliveriesCreated(), 1);
  }

  @Test
  void aPublishWithAKeyDoesTheSame() throws Exception {
    assertDeletedWebhookIsSkipped("wh_one_1", () -> publisher.publish(event("one", "k-1")).deliveriesCreated(), 1);
  }

  @Test
  void aBroadcastIsNotFailedByAnotherTenantDeletingItsWebhook() throws Exception {
    assertDeletedWebhookIsSkipped("wh_two_0", () -> publisher.publish(event(null, null)).deliveriesCreated(), 3);
  }

  @Test
  void aResendDoesTheSame() throws Exception {
    PublishedEvent stored = publisher.publish(event("one", null)).event();
    assertDeletedWebhookIsSkipped("wh_one_0", () -> publisher.resend(stored, java.util.List.of()).size(), 1);
  }

  @Test
  void aResendToNamedWebhooksDoesTheSame() throws Exception {
    PublishedEvent stored = publisher.publish(event("one", null)).event();
    assertDeletedWebhookIsSkipped("wh_one_1",
        () -> publisher.resend(stored, java.util.List.of("wh_one_0", "wh_one_1")).size(), 1);
  }

  @Test
  void aPublishBesideADeleteRolledBackGoesToTheWebhookStill() throws Exception {
    try (Handle deleting = db.jdbi().open()) {
      Future<Integer> made =
          deleteUncommitted(deleting, "wh_one_0", () -> publisher.publish(event("one", null)).deliveriesCreated());
      deleting.rollback();
      assertThat(made.get(10, TimeUnit.SECONDS)).isEqualTo(2);
    }
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE webhook_id = 'wh_one_0'")).isEqualTo(1);
  }

  @Test
  void aDeleteWaitsForAPublishHoldingTheWebhookThenDeletesTheDeliveriesItMade() throws Exception {
    EventDao.Publication p = new EventDao.Publication(
        new EventDao.Targets("signal.buy", "one", true, "BTCUSDT", null, 0.9, new String[0]),
        java.time.Instant.now(), DATA, null, null);
    try (Handle publishing = db.jdbi().open()) {
      publishing.begin();
      assertThat(EventDao.publish(publishing, p, "node", 60_000)).hasSize(2);
      int holder = publishing.createQuery("SELECT pg_backend_pid()").mapTo(Integer.class).one();
      Future<Integer> deleted = caller.submit(() -> db.jdbi().inTransaction(
          h -> h.attach(WebhookDao.class).delete("wh_one_0")));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> deleted.isDone() || TestDatabase.count(
          "SELECT count(*) FROM pg_stat_activity WHERE " + holder + " = ANY(pg_blocking_pids(pid))") == 1);
      assertThat(deleted).as("the delete waits for the publish").isNotDone();
      publishing.commit();
      assertThat(deleted.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    }
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE webhook_id = 'wh_one_0'")).isZero();
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE webhook_id = 'wh_one_1'")).isEqualTo(1);
  }

  @Test
  void aPublishThatPostgresqlAbortsToBreakADeadlockRunsAgain() throws Exception {
    // PostgreSQL aborts the side whose deadlock check runs first. On a busy machine this side can start waiting so
    // late that its own check runs first: that try proves nothing, and is made again (at most three tries).
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      boolean publishAborted = false;
      for (int tries = 0; tries < 3 && !publishAborted; tries++) {
        publishAborted = publishBesideALockThatWantsItsWebhook(other);
      }
      assertThat(publishAborted).as("a try in which PostgreSQL aborted the publish").isTrue();
    } finally {
      other.shutdownNow();
    }
  }

  /** Publishes while a transaction holds one target and then wants the other; true if the publish was aborted. */
  private boolean publishBesideALockThatWantsItsWebhook(ExecutorService other) throws Exception {
    try (Handle locking = TestDatabase.owner().open()) {
      locking.begin();
      locking.execute("SELECT webhook_id FROM webhooks WHERE webhook_id = 'wh_one_1' FOR UPDATE");
      int holder = locking.createQuery("SELECT pg_backend_pid()").mapTo(Integer.class).one();
      int deadlocks = deadlocks();
      Future<Integer> made = caller.submit(() -> publisher.publish(event("one", null)).deliveriesCreated());
      // Each side looks for a deadlock once, when it has waited deadlock_timeout (1 s). This side starts waiting
      // after the publish has waited 0.1 s, so the publish looks first, and finds the cycle if this side waits by
      // then (0.9 s to spare).
      Awaitility.await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(10))
          .until(() -> made.isDone() || TestDatabase.count("SELECT count(*) FROM pg_locks WHERE NOT granted AND "
          + holder + " = ANY(pg_blocking_pids(pid)) AND waitstart < clock_timestamp() - interval '100 milliseconds'") == 1);
      assertThat(made).as("the publish waits for wh_one_1, holding wh_one_0").isNotDone();
      // Now this side wants wh_one_0: a cycle. It gets it once the publish is aborted.
      try {
        other.submit(() -> locking.execute("SELECT webhook_id FROM webhooks WHERE webhook_id = 'wh_one_0' FOR UPDATE"))
            .get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof org.jdbi.v3.core.statement.UnableToExecuteStatementException u)
            || !(u.getCause() instanceof java.sql.SQLException sql) || !"40P01".equals(sql.getSQLState())) {
          throw e;
        }
        locking.rollback();
        assertThat(made.get(10, TimeUnit.SECONDS)).isEqualTo(2);
        return false;
      }
      locking.rollback();
      assertThat(made.get(10, TimeUnit.SECONDS)).isEqualTo(2);
      // The backend that broke it counts it in its own statistics, flushed to pg_stat_database when it is idle,
      // at most once a second and at the latest 10 s later: the count can lag the publish's answer.
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> deadlocks() >= deadlocks + 1);
      return true;
    }
  }

  @Test
  void aWebhookBeingUpdatedDoesNotHoldUpAPublish() throws Exception {
    try (Handle updating = db.jdbi().open()) {
      updating.begin();
      assertThat(updating.attach(WebhookDao.class).findForUpdate("wh_one_0")).isPresent();
      Future<Integer> made = caller.submit(() -> publisher.publish(event("one", null)).deliveriesCreated());
      assertThat(made.get(10, TimeUnit.SECONDS)).as("published while the update holds the row").isEqualTo(2);
      updating.rollback();
    }
  }

  private static int deadlocks() {
    return TestDatabase.count("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()");
  }

  /** Deletes the webhook as the last step of a delete does, commits while {@code publish} waits for it. */
  private void assertDeletedWebhookIsSkipped(String webhookId, Callable<Integer> publish, int expected)
      throws Exception {
    String others = "SELECT count(*) FROM deliveries WHERE webhook_id <> '" + webhookId + "'";
    int before = TestDatabase.count(others);
    try (Handle deleting = db.jdbi().open()) {
      Future<Integer> made = deleteUncommitted(deleting, webhookId, publish);
      deleting.commit();
      assertThat(made.get(10, TimeUnit.SECONDS)).isEqualTo(expected);
    }
    assertThat(TestDatabase.count(others) - before).isEqualTo(expected);
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE webhook_id = '" + webhookId + "'"))
        .isZero();
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries d WHERE NOT EXISTS"
        + " (SELECT 1 FROM webhooks w WHERE w.webhook_id = d.webhook_id)")).isZero();
  }

  /**
   * Locks the webhook's row as its delete does, starts {@code publish}, and once the publish waits for that lock
   * runs the webhook's delete statement in the transaction, left open.
   */
  private Future<Integer> deleteUncommitted(Handle deleting, String webhookId, Callable<Integer> publishing) {
    deleting.begin();
    deleting.execute("SELECT webhook_id FROM webhooks WHERE webhook_id = ? FOR UPDATE", webhookId);
    int holder = deleting.createQuery("SELECT pg_backend_pid()").mapTo(Integer.class).one();
    Future<Integer> publish = caller.submit(publishing);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> publish.isDone() || TestDatabase.count(
        "SELECT count(*) FROM pg_stat_activity WHERE " + holder + " = ANY(pg_blocking_pids(pid))") == 1);
    assertThat(publish).as("the publish waits for the webhook's delete").isNotDone();
    assertThat(deleting.attach(WebhookDao.class).delete(webhookId)).isEqualTo(1);
    return publish;
  }

  private static NewEvent event(String accountId, String key) throws EventJson.InvalidDataException {
    return new NewEvent("signal.buy", EventJson.parse(DATA), accountId, null, key);
  }
}
