package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deliveries parked at publish (leased to this node, with their data) reach the dispatcher without a statement
 * (no release, no claim back), with at most half of each poll's room while the table has due deliveries of others;
 * those of full lanes, those parked too long and those parked at a stop are released to the table.
 */
class ParkedPollTest {
  private static final long HOUR = Duration.ofHours(1).toNanos();
  private final SecretBox box = SecretBox.random();
  private final List<String> releases = new CopyOnWriteArrayList<>();
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
          releases.add(ctx.getRenderedSql());
        }
      }
    });
  }

  @Test
  void parkedDeliveriesAreHandedOverWithoutAStatementAndLeaveHalfTheRoomToTheTable() throws Exception {
    List<DeliveryJob> parkedJobs = publishLeased("p", 30);
    publishReleased("t", 30);
    ParkedDeliveries parked = new ParkedDeliveries(100, 100, Long.MAX_VALUE, HOUR);
    parkedJobs.forEach(j -> parked.park(j, System.nanoTime()));
    releases.clear();

    try (HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(30), 1)) {
      // Nothing starts; lanes hold up to 200, the queue 20: each poll has room for 20.
      Dispatcher d = new Dispatcher(sender, o -> { }, settings(100, 20));
      new Poller(db.jdbi(), d, parked, "node", Duration.ofSeconds(60), Duration.ofMillis(200)).pollOnce();

      assertThat(d.heldBy("p")).as("parked, handed over").isEqualTo(10);
      assertThat(d.heldBy("t")).as("claimed from the table with the other half").isEqualTo(10);
      assertThat(parked.size()).isEqualTo(20);
      assertThat(releases).as("no lease went round the table").isEmpty();
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
      p.subList(10, 15).forEach(j -> parked.park(j, System.nanoTime()));
      q.forEach(j -> parked.park(j, System.nanoTime()));

      new Poller(db.jdbi(), d, parked, "node", Duration.ofSeconds(60), Duration.ofMillis(200)).pollOnce();

      assertThat(d.heldBy("q")).isEqualTo(3);
      assertThat(parked.size()).isZero();
      List<String> released = db.jdbi().withHandle(h -> h.createQuery(
          "SELECT delivery_id FROM deliveries WHERE lease_owner IS NULL").mapTo(String.class).list());
      assertThat(released).as("the full lane's parked deliveries wait in the table")
          .containsExactlyInAnyOrderElementsOf(p.subList(10, 15).stream().map(DeliveryJob::deliveryId).toList());
      d.stopAccepting();
    }
  }

  @Test
  void deliveriesParkedLongerThanTheLimitAreReleased() throws Exception {
    List<DeliveryJob> p = publishLeased("p", 4);
    ParkedDeliveries parked = new ParkedDeliveries(100, 100, Long.MAX_VALUE, 0);
    long longAgo = System.nanoTime() - 1;
    p.forEach(j -> parked.park(j, longAgo));
    try (HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(30), 1)) {
      // A full queue: nothing is claimed back in this poll.
      Dispatcher d = new Dispatcher(sender, o -> { }, settings(100, 0));
      new Poller(db.jdbi(), d, parked, "node", Duration.ofSeconds(60), Duration.ofMillis(200)).pollOnce();

      assertThat(parked.size()).as("a parked lease this old might not cover the attempt").isZero();
      assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE lease_owner IS NULL")).isEqualTo(4);
      d.stopAccepting();
    }
  }

  private static DeliveryEngine.Settings settings(int endpointFloor, int queue) {
    return new DeliveryEngine.Settings(0, endpointFloor, endpointFloor, queue, DeliveryEngine.Settings.MAX_QUEUED_CHARS,
        Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ofSeconds(30), true);
  }

  /** Publishes one event per delivery with no room here: every delivery stays leased to "node", as for parking. */
  private List<DeliveryJob> publishLeased(String account, int n) throws Exception {
    List<DeliveryJob> created = new ArrayList<>();
    Publisher publisher = new Publisher(db.jdbi(), "node", 60_000, new NewDeliveries() {
      @Override
      public Room room(String accountId, int dataChars) {
        return new Room(0, new String[0]);
      }

      @Override
      public void accept(List<DeliveryJob> jobs, List<DeliveryJob> handed) {
        created.addAll(jobs);
      }
    });
    for (int i = 0; i < n; i++) {
      publisher.publish(new NewEvent("order.filled", EventJson.parse("{\"i\":" + i + "}"), account, null, null));
    }
    return created;
  }

  /** Publishes with no room anywhere: the writer logs each creation and releases it to the table. */
  private void publishReleased(String account, int n) throws Exception {
    try (ResultWriter w = new ResultWriter(db.jdbi(), "elsewhere")) {
      Publisher publisher = new Publisher(db.jdbi(), "elsewhere", 60_000, new NewDeliveries() {
        @Override
        public Room room(String accountId, int dataChars) {
          return new Room(0, new String[0]);
        }

        @Override
        public void accept(List<DeliveryJob> jobs, List<DeliveryJob> handed) {
          w.created(jobs.stream().map(DeliveryJob::deliveryId).toList(), id -> true);
        }
      });
      for (int i = 0; i < n; i++) {
        publisher.publish(new NewEvent("order.filled", EventJson.parse("{\"i\":" + i + "}"), account, null, null));
      }
    }
  }
}
