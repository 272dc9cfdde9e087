package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.events.EventJson;
import com.apindicators.webhooks.server.events.NewEvent;
import com.apindicators.webhooks.server.events.Publisher;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import com.apindicators.webhooks.server.store.Database;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deliveries parked at publish (leased to this node, with their data) reach the dispatcher without a statement
 * (no release, no claim back), with at most half of each poll's room while the table has due deliveries of others;
 * those of full lanes and those parked too long are released to the table, through the result writer, so never
 * before their creation is logged.
 */
class ParkedPollTest {
  private static final long HOUR = Duration.ofHours(1).toNanos();
  private final SecretBox box = SecretBox.random();
  private final List<String> releaseStatements = new CopyOnWriteArrayList<>();
  /** What the poller gives back (the engine hands it to the result writer). */
  private final List<String> released = new CopyOnWriteArrayList<>();
  private Database db;

  @BeforeEach
  void setUp() {
    db = TestDatabase.clean();
    db.jdbi().useHandle(h -> {
      for (String a : List.of("p", "t", "q")) {
        h.execute("INSERT INTO accounts (account_id) VALUES (?)", a);
      }
      h.execute("INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)"
          + " VALUES ('wh_p', 'p', 'n', 'http://127.0.0.1:9/p', ARRAY['order.filled'], 's', 'h')");
      h.execute("INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)"
          + " VALUES ('wh_t', 't', 'n', 'http://127.0.0.1:9/t', ARRAY['order.filled'], 's', 'h')");
      h.execute("INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)"
          + " VALUES ('wh_q', 'q', 'n', 'http://127.0.0.1:10/q', ARRAY['order.filled'], 's', 'h')");
    });
    db.jdbi().setSqlLogger(new SqlLogger() {
      @Override
      public void logAfterExecution(StatementContext ctx) {
        if (ctx.getRenderedSql().contains("SET lease_owner = NULL")) {
          releaseStatements.add(ctx.getRenderedSql());
        }
      }
    });
  }

  @Test
  void parkedDeliveriesAreHandedOverWithoutAStatementAndLeaveHalfTheRoomToTheTable() throws Exception {
    List<DeliveryJob> parkedJobs = publishLeased("p", 30);
    publishReleased("t", 30);
    ParkedDeliveries parked = new ParkedDeliveries(100, 100, Long.MAX_VALUE, HOUR);
    park(parked, parkedJobs, System.nanoTime());
    releaseStatements.clear();

    try (HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(30), 1)) {
      // Nothing starts; lanes hold up to 200, the queue 20: each poll has room for 20.
      Dispatcher d = new Dispatcher(sender, o -> { }, settings(100, 20));
      poller(d, parked).pollOnce();

      assertThat(d.heldBy("p")).as("parked, handed over").isEqualTo(10);
      assertThat(d.heldBy("t")).as("claimed from the table with the other half").isEqualTo(10);
      assertThat(parked.size()).isEqualTo(20);
      assertThat(released).as("no lease went round the table").isEmpty();
      assertThat(releaseStatements).isEmpty();
      assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE account_id = 'p' AND lease_owner = 'node'"))
          .as("every parked delivery is still leased here").isEqualTo(30);

      List<String> unstarted = new ArrayList<>(parked.close());
      d.stopAccepting().forEach(j -> unstarted.add(j.deliveryId()));
      assertThat(unstarted).hasSize(40);
    }
  }

  @Test
  void parkedDeliveriesOfAFullLaneAreReleasedAndTheOthersHandedOver() throws Exception {
    List<DeliveryJob> p = publishLeased("p", 15);
    List<DeliveryJob> q = publishLeased("q", 3);
    try (HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(30), 1)) {
      // Lanes of floor 1 hold 2, and an account's burst share is 8: p's lane fills and remembers its refusals.
      Dispatcher d = new Dispatcher(sender, o -> { }, settings(1, 64));
      assertThat(d.offer(p.subList(0, 10))).hasSize(2);
      ParkedDeliveries parked = new ParkedDeliveries(100, 100, Long.MAX_VALUE, HOUR);
      park(parked, p.subList(10, 15), System.nanoTime());
      park(parked, q, System.nanoTime());

      poller(d, parked).pollOnce();

      assertThat(d.heldBy("q")).isEqualTo(3);
      assertThat(parked.size()).isZero();
      assertThat(released).as("the full lane's parked deliveries go to the table")
          .containsExactlyInAnyOrderElementsOf(p.subList(10, 15).stream().map(DeliveryJob::deliveryId).toList());
      d.stopAccepting();
    }
  }

  @Test
  void deliveriesParkedLongerThanTheLimitAreReleased() throws Exception {
    List<DeliveryJob> p = publishLeased("p", 4);
    ParkedDeliveries parked = new ParkedDeliveries(100, 100, Long.MAX_VALUE, 0);
    park(parked, p, System.nanoTime() - 1);
    try (HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(30), 1)) {
      // A full queue: nothing is claimed back in this poll.
      Dispatcher d = new Dispatcher(sender, o -> { }, settings(100, 0));
      poller(d, parked).pollOnce();

      assertThat(parked.size()).as("a parked lease this old might not cover the attempt").isZero();
      assertThat(released).containsExactlyInAnyOrderElementsOf(p.stream().map(DeliveryJob::deliveryId).toList());
      d.stopAccepting();
    }
  }

  @Test
  void aParkedDeliveryReleasedIsNotClaimedElsewhereBeforeItsCreationIsLogged() throws Exception {
    List<DeliveryJob> p = publishLeased("p", 1);
    try (HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(30), 1);
        Handle lock = db.jdbi().open();
        ResultWriter writer = new ResultWriter(db.jdbi(), "node")) {
      // The writer stalls on the change log, with the creation queued.
      lock.begin();
      lock.execute("LOCK TABLE delivery_changes IN EXCLUSIVE MODE");
      writer.created(List.of(p.get(0).deliveryId()), id -> false);
      ParkedDeliveries parked = new ParkedDeliveries(100, 100, Long.MAX_VALUE, HOUR);
      park(parked, p, System.nanoTime());
      // Its lane is full: the poller gives it back, through the writer.
      Dispatcher d = new Dispatcher(sender, o -> { }, settings(1, 64));
      d.offer(fill(p.get(0), 10));
      new Poller(db.jdbi(), d, parked, writer::release, "node", Duration.ofSeconds(60), Duration.ofMillis(200))
          .pollOnce();

      assertThat(parked.size()).isZero();
      assertThat(claimAsB()).as("still leased here while its creation is not logged").isEmpty();
      lock.rollback();
      await().atMost(Duration.ofSeconds(10)).until(() -> !claimAsB().isEmpty());
      d.stopAccepting();
    }
    List<String> statuses = db.jdbi().withHandle(h -> h.createQuery(
        "SELECT status FROM delivery_changes ORDER BY change_id").mapTo(String.class).list());
    assertThat(statuses).containsExactly("PENDING");
  }

  private List<DeliveryJob> claimAsB() {
    return Poller.byIndex(db.jdbi(), h -> Leases.claimDue(h, "B", 60_000, 10, "", new String[0]));
  }

  /** Jobs of the same webhook (never sent: no slots) that fill its lane. */
  private static List<DeliveryJob> fill(DeliveryJob like, int n) {
    List<DeliveryJob> jobs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      jobs.add(new DeliveryJob("dlv_fill" + i, like.webhookId(), like.accountId(), like.url(), "s", null,
          like.eventType(), like.eventTime(), "{}", 1, 1, 1000, 1000));
    }
    return jobs;
  }

  private Poller poller(Dispatcher d, ParkedDeliveries parked) {
    return new Poller(db.jdbi(), d, parked, released::addAll, "node", Duration.ofSeconds(60), Duration.ofMillis(200));
  }

  private static void park(ParkedDeliveries parked, List<DeliveryJob> jobs, long leasedAt) {
    parked.open(parked.admit(jobs, leasedAt));
  }

  private static DeliveryEngine.Settings settings(int endpointFloor, int queue) {
    return new DeliveryEngine.Settings(0, endpointFloor, endpointFloor, queue, DeliveryEngine.Settings.MAX_QUEUED_CHARS,
        Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ofSeconds(30), true);
  }

  /** Publishes one event per delivery with no room here: every delivery stays leased to "node", as for parking. */
  private List<DeliveryJob> publishLeased(String account, int n) throws Exception {
    List<DeliveryJob> created = new ArrayList<>();
    publish("node", account, n, created::addAll);
    return created;
  }

  /** Publishes with no room anywhere: the writer logs each creation and releases it to the table. */
  private void publishReleased(String account, int n) throws Exception {
    try (ResultWriter w = new ResultWriter(db.jdbi(), "elsewhere")) {
      publish("elsewhere", account, n,
          jobs -> w.created(jobs.stream().map(DeliveryJob::deliveryId).toList(), id -> true));
    }
  }

  /** Publishes n events of one delivery each as {@code node}, with no room in its dispatcher. */
  private void publish(String node, String account, int n, Consumer<List<DeliveryJob>> accept) throws Exception {
    Publisher publisher = new Publisher(db.jdbi(), node, 60_000, new NewDeliveries() {
      @Override
      public Room room(String accountId, int dataChars) {
        return new Room(0, new String[0]);
      }

      @Override
      public void accept(List<DeliveryJob> jobs, List<DeliveryJob> handed) {
        accept.accept(jobs);
      }
    });
    for (int i = 0; i < n; i++) {
      publisher.publish(new NewEvent("order.filled", EventJson.parse("{\"i\":" + i + "}"), account, null, null));
    }
  }
}
