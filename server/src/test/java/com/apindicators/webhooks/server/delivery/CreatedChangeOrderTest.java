package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.events.EventJson;
import com.apindicators.webhooks.server.events.NewEvent;
import com.apindicators.webhooks.server.events.Publisher;
import com.apindicators.webhooks.server.store.Database;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A new delivery the publishing process has no room for is left for any process's poller, but only once its
 * creation is in the change log: before that it stays leased to the publisher, so another process cannot send and
 * record it first (the stream would then never show it pending). The interleaving is forced here, not timed: process
 * B's poller tries to claim it while A's writer lags, then again after.
 */
class CreatedChangeOrderTest {
  @Test
  void aNewDeliveryLeftForAnyPollerIsClaimableOnlyAfterItsCreationIsLogged() throws Exception {
    Database db = TestDatabase.clean();
    db.jdbi().useHandle(h -> {
      h.execute("INSERT INTO accounts (account_id) VALUES ('one')");
      h.execute("INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)"
          + " VALUES ('wh_0', 'one', 'n', 'http://127.0.0.1:9/', ARRAY['order.filled'], 's', 'h')");
    });
    new Publisher(db.jdbi(), "A", 60_000, new NewDeliveries() {
      @Override
      public Room room(String accountId, int dataChars) {
        return new Room(0, new String[0]); // A's dispatcher is full: the delivery is left for any poller
      }

      @Override
      public void accept(List<DeliveryJob> created, List<DeliveryJob> handed) {
        assertThat(handed).isEmpty();
        try {
          // Process B's poller finds nothing to claim while A's writer has not logged the creation.
          assertThat(claimAsB(db)).isEmpty();
          try (ResultWriter a = new ResultWriter(db.jdbi(), "A")) {
            a.created(created.stream().map(DeliveryJob::deliveryId).toList(), id -> true);
          }
          // Now B claims it, sends it and records the 200.
          List<DeliveryJob> claimed = claimAsB(db);
          assertThat(claimed).hasSize(1);
          try (ResultWriter b = new ResultWriter(db.jdbi(), "B")) {
            b.submit(Outcome.of(claimed.get(0),
                new AttemptResult(Instant.now(), Duration.ofMillis(1), 200, "ok", null, null)));
          }
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }
    }).publish(new NewEvent("order.filled", EventJson.parse("{}"), "one", null, null));

    List<String> statuses = db.jdbi().withHandle(h -> h.createQuery(
        "SELECT status FROM delivery_changes ORDER BY change_id").mapTo(String.class).list());
    assertThat(statuses).as("the changes of the delivery, in stream order").containsExactly("PENDING", "DELIVERED");
  }

  private static List<DeliveryJob> claimAsB(Database db) {
    return db.jdbi().withHandle(h -> Leases.claimDue(h, "B", 60_000, 10, "", new String[0]));
  }
}
