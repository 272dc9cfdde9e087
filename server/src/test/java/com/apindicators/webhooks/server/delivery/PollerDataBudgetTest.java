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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.Test;

/**
 * Review finding: the poller sizes its claim by job count only ({@code freeCapacity(0)} counts a character per job),
 * so with the dispatcher's data budget nearly used it claims up to 500 large deliveries (each with its own copy of
 * the event data) only to have the dispatcher refuse them and release their leases again, every poll.
 */
class PollerDataBudgetTest {
  private static final int DATA_CHARS = 60_000;
  private static final int QUEUED = 550;
  private static final int DUE = 50;

  @Test
  void thePollerClaimsNoMoreLargeDeliveriesThanTheDispatcherHasDataRoomFor() throws Exception {
    Database db = TestDatabase.clean();
    db.jdbi().useHandle(h -> {
      for (int i = 0; i < DUE; i++) {
        h.execute("INSERT INTO accounts (account_id) VALUES (?)", "a_" + i);
        h.execute("INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)"
            + " VALUES (?, ?, 'n', 'http://127.0.0.1:9/', ARRAY['order.filled'], 's', 'h')", "wh_" + i, "a_" + i);
      }
    });
    String data = "{\"pad\":\"" + "x".repeat(DATA_CHARS - 10) + "\"}";
    // Published with no room here: every delivery waits unleased for a poller.
    new Publisher(db.jdbi(), "publisher", 60_000, new NewDeliveries() {
      @Override
      public Room room(String accountId, int dataChars) {
        return new Room(0, new String[0]);
      }

      @Override
      public void accept(List<DeliveryJob> created, List<DeliveryJob> handed) {
        // As the engine does: the writer logs their creation and releases them for any poller.
        try (ResultWriter w = new ResultWriter(db.jdbi(), "publisher")) {
          w.created(created.stream().map(DeliveryJob::deliveryId).toList(), id -> true);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }
    }).publish(new NewEvent("order.filled", EventJson.parse(data), null, null, null));
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE lease_owner IS NULL")).isEqualTo(DUE);

    SecretBox box = SecretBox.random();
    try (HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(30), 1)) {
      // The server's budget; no attempt may start, so what it takes waits (one job per account's lane).
      Dispatcher d = new Dispatcher(sender, o -> { }, new DeliveryEngine.Settings(0, 1, 1, 10_000,
          DeliveryEngine.Settings.MAX_QUEUED_CHARS, Duration.ofSeconds(60), Duration.ofMillis(200),
          Duration.ofSeconds(30), true));
      List<DeliveryJob> waiting = new ArrayList<>();
      for (int i = 0; i < QUEUED; i++) {
        waiting.add(new DeliveryJob("dlv_q" + i, "wh_q" + i, "q_" + i, "http://127.0.0.1:9/", "s", null,
            "order.filled", Instant.now(), data, 1, 1, 1000, 1000));
      }
      assertThat(d.offer(waiting)).isEmpty();
      long fits = (DeliveryEngine.Settings.MAX_QUEUED_CHARS - (long) QUEUED * data.length()) / data.length();
      assertThat(fits).as("data room left for a few more").isBetween(1L, (long) DUE - 1);

      List<String> releases = new CopyOnWriteArrayList<>();
      db.jdbi().setSqlLogger(new SqlLogger() {
        @Override
        public void logAfterExecution(StatementContext ctx) {
          if (ctx.getRenderedSql().contains("SET lease_owner = NULL")) {
            releases.add(ctx.getRenderedSql());
          }
        }
      });
      int took = new Poller(db.jdbi(), d, new ParkedDeliveries(0, 0, 0, 0),
          ids -> Poller.byIndex(db.jdbi(), h -> Leases.releaseLeases(h, ids.toArray(String[]::new), "node")), "node",
          Duration.ofSeconds(60), Duration.ofMillis(200)).pollOnce();

      assertThat(took).as("it still claims what fits").isPositive();
      assertThat(releases).as("leases claimed only to be given back at once").isEmpty();
    }
  }
}
