package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A delivery's creation and first outcome recorded in one batch of the result writer are one change-log row, read
 * back as the two changes the stream has always shown, each with its own resume position. The batches are forced
 * here, not timed: the writer is held on a lock of the change log while the items queue behind it.
 */
class CreationInFirstChangeTest {
  private static final String NODE = "node_a";
  private static final String[] NONE = new String[0];
  private Jdbi jdbi;

  @BeforeEach
  void cleanTables() {
    jdbi = OneWebhook.clean();
    jdbi.useHandle(h -> {
      // In one statement, as a publish makes them: the same creation time.
      h.execute("""
          INSERT INTO deliveries (delivery_id, event_id, webhook_id, account_id, event_type, url, status, max_attempts,
              retry_initial_ms, retry_max_ms, next_attempt_time, lease_owner, lease_until)
          SELECT 'dlv_' || i, 'evt_1', 'wh_1', 'acct', 'signal.buy', 'http://127.0.0.1:9/', 'PENDING', 2, 1000, 60000,
              now(), :owner, now() + interval '1 minute'
          FROM generate_series(0, 2) i
          """.replace(":owner", "'" + NODE + "'"));
    });
  }

  @Test
  void aCreationAndItsOutcomeInOneBatchAreOneRowReadAsBothChanges() throws Exception {
    inOneBatch(List.of("dlv_0", "dlv_1"), List.of("dlv_0"));

    assertThat(rows()).as("dlv_1 created alone; dlv_0 created and delivered in one row")
        .containsExactly("dlv_1 PENDING false", "dlv_0 DELIVERED true");
    List<DeliveryChange> changes = after(0, NONE, 100);
    assertThat(changes).extracting(c -> c.delivery().deliveryId() + " " + c.delivery().status())
        .containsExactly("dlv_1 PENDING", "dlv_0 PENDING", "dlv_0 DELIVERED");
    assertThat(changes).extracting(DeliveryChange::changeId).as("each change its own position, in order")
        .isSorted().doesNotHaveDuplicates();
    // The creation read from the merged row is what a row of its own holds (dlv_1's, made in the same statement).
    assertThat(changes.get(1).delivery()).usingRecursiveComparison().ignoringFields("deliveryId")
        .isEqualTo(changes.get(0).delivery());
    assertThat(changes.get(1).webhookDisabled()).isNull();
    assertThat(changes.get(2).delivery().responseCode()).isEqualTo(200);
  }

  @Test
  void eachOfTheTwoChangesResumesOnItsOwn() throws Exception {
    inOneBatch(List.of("dlv_0"), List.of("dlv_0"));
    List<DeliveryChange> both = after(0, NONE, 100);
    long created = both.get(0).changeId();

    assertThat(after(created, NONE, 100)).extracting(c -> c.delivery().status()).containsExactly(DeliveryStatus.DELIVERED);
    assertThat(after(created - 1, NONE, 100)).extracting(DeliveryChange::changeId).containsExactly(created, created + 1);
    assertThat(after(created + 1, NONE, 100)).isEmpty();
    // A page may end between the two; the next one starts with the second.
    assertThat(after(0, NONE, 1)).extracting(DeliveryChange::changeId).containsExactly(created);
  }

  @Test
  void aStatusFilterSeesTheCreationOrTheOutcome() throws Exception {
    inOneBatch(List.of("dlv_0", "dlv_1"), List.of("dlv_0"));

    assertThat(after(0, new String[] {"PENDING"}, 100)).extracting(c -> c.delivery().deliveryId())
        .containsExactly("dlv_1", "dlv_0");
    assertThat(after(0, new String[] {"DELIVERED"}, 100)).extracting(c -> c.delivery().deliveryId())
        .containsExactly("dlv_0");
    assertThat(after(0, new String[] {"FAILED"}, 100)).isEmpty();
  }

  @Test
  void aPageStartingBetweenTheTwoIsStillFullWhenMoreFollow() throws Exception {
    inOneBatch(List.of("dlv_0", "dlv_1", "dlv_2"), List.of("dlv_0", "dlv_1", "dlv_2"));
    List<DeliveryChange> all = after(0, NONE, 100);
    assertThat(all).hasSize(6);
    long firstCreation = all.get(0).changeId();

    // After dlv_0's creation, watching creations only: dlv_0's row gives nothing, yet the page of one is not short
    // (a short page ends a replay: the watcher would go live and never see the creations of dlv_1 and dlv_2).
    assertThat(after(firstCreation, new String[] {"PENDING"}, 1)).extracting(c -> c.delivery().deliveryId())
        .containsExactly(all.get(2).delivery().deliveryId());
    assertThat(after(firstCreation, new String[] {"PENDING"}, 2)).hasSize(2);
  }

  @Test
  void aCreationWhoseOutcomeIsNotRecordedIsLoggedAlone() throws Exception {
    // dlv_0's lease passed to another node: this node's outcome for it is stale and dropped.
    jdbi.useHandle(h -> h.execute("UPDATE deliveries SET lease_owner = 'node_b' WHERE delivery_id = 'dlv_0'"));
    inOneBatch(List.of("dlv_0"), List.of("dlv_0"));

    assertThat(rows()).containsExactly("dlv_0 PENDING false");
    assertThat(after(0, NONE, 100)).extracting(c -> c.delivery().status()).containsExactly(DeliveryStatus.PENDING);
  }

  @Test
  void theCreationOfADeliveryBeingSentWaitsForItsOutcomeAWhile() throws Exception {
    // The writer is idle: it takes each item as it comes. It holds the creation (up to 10 s here) for its outcome.
    try (ResultWriter writer = new ResultWriter(jdbi, NODE, rows -> { }, Duration.ofSeconds(10))) {
      writer.created(List.of("dlv_0"), id -> false);
      await().atMost(Duration.ofSeconds(10)).until(() -> writer.queued() == 0);
      Thread.sleep(200);
      assertThat(rows()).as("held, not written").isEmpty();
      writer.submit(delivered("dlv_0"));
      await().atMost(Duration.ofSeconds(10)).until(() -> !rows().isEmpty());
    }
    assertThat(rows()).containsExactly("dlv_0 DELIVERED true");
  }

  @Test
  void aHeldCreationIsWrittenAloneOnceItsWaitIsOver() throws Exception {
    try (ResultWriter writer = new ResultWriter(jdbi, NODE, rows -> { }, Duration.ofMillis(300))) {
      writer.created(List.of("dlv_0"), id -> false);
      await().atMost(Duration.ofSeconds(10)).until(() -> !rows().isEmpty());
      assertThat(rows()).containsExactly("dlv_0 PENDING false");
      writer.submit(delivered("dlv_0"));
      await().atMost(Duration.ofSeconds(10)).until(() -> rows().size() == 2);
    }
    assertThat(rows()).containsExactly("dlv_0 PENDING false", "dlv_0 DELIVERED false");
  }

  @Test
  void aLeaseIsNeverReleasedBeforeItsHeldCreationIsLogged() throws Exception {
    // dlv_0 is kept here (parked), then the poller gives its lease back: another node may claim it from then on, so
    // its creation must be in the change log by then, however long creations may wait.
    try (ResultWriter writer = new ResultWriter(jdbi, NODE, rows -> { }, Duration.ofSeconds(30))) {
      writer.created(List.of("dlv_0"), id -> false);
      await().atMost(Duration.ofSeconds(10)).until(() -> writer.queued() == 0);
      writer.release(List.of("dlv_0"));
      await().atMost(Duration.ofSeconds(10)).until(() -> jdbi.withHandle(h -> h.createQuery(
          "SELECT lease_owner IS NULL FROM deliveries WHERE delivery_id = 'dlv_0'").mapTo(Boolean.class).one()));
      assertThat(rows()).as("logged with the release, not 30 s later").containsExactly("dlv_0 PENDING false");
    }
  }

  @Test
  void aCreationWaitsForNothingOnceTheWriterCloses() throws Exception {
    ResultWriter writer = new ResultWriter(jdbi, NODE, rows -> { }, Duration.ofSeconds(30));
    writer.created(List.of("dlv_0"), id -> false);
    await().atMost(Duration.ofSeconds(10)).until(() -> writer.queued() == 0); // taken and held
    long start = System.nanoTime();
    writer.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("close").isLessThan(Duration.ofSeconds(5));
    assertThat(rows()).containsExactly("dlv_0 PENDING false");
  }

  private static Outcome delivered(String id) {
    return OneWebhook.delivered(OneWebhook.job(id), "ok");
  }

  /**
   * Has the writer record these creations, then these outcomes (delivered, 200), all in one batch; the deliveries
   * without an outcome are released in it.
   */
  private void inOneBatch(List<String> created, List<String> delivered) throws Exception {
    try (Handle lock = jdbi.open(); ResultWriter writer = new ResultWriter(jdbi, NODE)) {
      lock.begin();
      lock.execute("LOCK TABLE delivery_changes IN EXCLUSIVE MODE");
      writer.created(List.of("dlv_none"), id -> true); // the batch that waits on the lock (released: not held)
      await().atMost(Duration.ofSeconds(10)).until(() -> writer.queued() == 0);
      // Those without an outcome here are left to any poller (released), so none is held for one.
      writer.created(created, id -> !delivered.contains(id));
      delivered.forEach(id -> writer.submit(delivered(id)));
      lock.rollback();
    } // close: the writer writes what is queued, in one batch (at most 1000 items), then stops
  }

  private List<String> rows() {
    return jdbi.withHandle(h -> h.createQuery(
        "SELECT delivery_id || ' ' || status || ' ' || created_too FROM delivery_changes ORDER BY change_id")
        .mapTo(String.class).list());
  }

  private List<DeliveryChange> after(long position, String[] statuses, int limit) {
    return jdbi.withHandle(h -> ChangeLog.after(h, position, "acct", NONE, NONE, statuses, limit));
  }
}
