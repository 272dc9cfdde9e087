package com.apindicators.webhooks.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.delivery.DeliveryJob;
import com.apindicators.webhooks.server.store.Database;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.Test;

/** PublishEvent answers only after a synchronous commit, even on a database whose default is asynchronous. */
class PublishDurabilityTest {
  @Test
  void publishCommitsSynchronouslyOnADatabaseConfiguredForAsynchronousCommits() throws Exception {
    String url = TestDatabase.clean().jdbcUrl() + "&options=-c%20synchronous_commit%3Doff";
    try (Database external = Database.connect(url, 2)) {
      List<String> seen = new CopyOnWriteArrayList<>();
      // Asks the publish transaction itself, on its own connection, right after it stored the event.
      external.jdbi().setSqlLogger(new SqlLogger() {
        @Override
        public void logAfterExecution(StatementContext ctx) {
          if (ctx.getRenderedSql().contains("INSERT INTO events")) {
            try (Statement st = ctx.getConnection().createStatement();
                ResultSet rs = st.executeQuery("SHOW synchronous_commit")) {
              rs.next();
              seen.add(rs.getString(1));
            } catch (SQLException e) {
              seen.add(e.toString());
            }
          }
        }
      });
      try (java.sql.Connection plain = java.sql.DriverManager.getConnection(url);
          Statement st = plain.createStatement();
          ResultSet rs = st.executeQuery("SHOW synchronous_commit")) {
        rs.next();
        assertThat(rs.getString(1)).as("this database's default for a connection").isEqualTo("off");
      }
      new Publisher(external.jdbi(), "node", 60_000, new Handed(Integer.MAX_VALUE))
          .publish(new NewEvent("order.filled", EventJson.parse("{}"), "durable", null, null));
      assertThat(seen).containsExactly("on");
    }
  }

  @Test
  void aPublishIsOneStatementThatStoresTheEventWithItsCountAndItsDeliveries() throws Exception {
    Database db = accountWithWebhooks(3);
    List<String> statements = new CopyOnWriteArrayList<>();
    db.jdbi().setSqlLogger(new SqlLogger() {
      @Override
      public void logAfterExecution(StatementContext ctx) {
        statements.add(ctx.getRenderedSql());
      }
    });
    Handed handed = new Handed(Integer.MAX_VALUE);
    Publisher.Published p;
    try {
      p = new Publisher(db.jdbi(), "node", 60_000, handed)
          .publish(new NewEvent("order.filled", EventJson.parse("{\"a\":1}"), "one", null, null));
    } finally {
      // The database is shared: the tests after this one must not feed this list.
      db.jdbi().setSqlLogger(SqlLogger.NOP_SQL_LOGGER);
    }
    // One round trip: the statement that stores, after the one that tells PostgreSQL how to plan it.
    assertThat(statements).hasSize(1);
    assertThat(statements.get(0)).startsWith(EventDao.PLAN).contains("INSERT INTO events")
        .contains("INSERT INTO deliveries");
    assertThat(p.deliveriesCreated()).isEqualTo(3);
    assertThat(handed.created).hasSize(3);
    assertThat(handed.leased).hasSize(3).allSatisfy(j -> assertThat(j.dataJson()).isEqualTo("{\"a\":1}"));
    assertThat(TestDatabase.count("SELECT deliveries_created FROM events WHERE event_id = '" + p.event().eventId() + "'"))
        .isEqualTo(3);
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE event_id = '" + p.event().eventId()
        + "' AND lease_owner = 'node'")).isEqualTo(3);
  }

  @Test
  void onlyAsManyNewDeliveriesAsTheDispatcherHasRoomForAreHandedToItTheRestAreLeftForTheWriterToRelease()
      throws Exception {
    Database db = accountWithWebhooks(5);
    Handed handed = new Handed(2);
    Publisher.Published p = new Publisher(db.jdbi(), "node", 60_000, handed)
        .publish(new NewEvent("order.filled", EventJson.parse("{}"), "one", null, null));
    assertThat(p.deliveriesCreated()).isEqualTo(5);
    assertThat(handed.created).hasSize(5);
    assertThat(handed.leased).hasSize(2);
    assertThat(handed.created).containsAll(handed.leased.stream().map(DeliveryJob::deliveryId).toList());
    // All five stay leased to this node until its writer has logged their creation (CreatedChangeOrderTest).
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE lease_owner = 'node' AND lease_until > now()"))
        .isEqualTo(5);
    // A full dispatcher (no room, or a negative count from a race) leases none.
    Handed full = new Handed(-4);
    new Publisher(db.jdbi(), "node", 60_000, full)
        .publish(new NewEvent("order.filled", EventJson.parse("{}"), "one", null, null));
    assertThat(full.created).hasSize(5);
    assertThat(full.leased).isEmpty();
    // Webhooks whose lanes are full are made unleased whatever the room; the others are leased first.
    Handed lanes = new Handed(3, "wh_0", "wh_2", "wh_4");
    new Publisher(db.jdbi(), "node", 60_000, lanes)
        .publish(new NewEvent("order.filled", EventJson.parse("{}"), "one", null, null));
    assertThat(lanes.created).hasSize(5);
    assertThat(lanes.leased).extracting(DeliveryJob::webhookId).containsExactlyInAnyOrder("wh_1", "wh_3");
  }

  @Test
  void thePlanSettingsSentBeforeAStatementHoldForItAloneOnItsPooledConnection() throws Exception {
    Database db = TestDatabase.clean();
    String settings = "SELECT current_setting('plan_cache_mode') || ' ' || current_setting('enable_nestloop')";
    try (java.sql.Connection c = db.dataSource().getConnection()) {
      assertThat(c.getAutoCommit()).isTrue();
      try (java.sql.PreparedStatement st = c.prepareStatement(EventDao.PLAN + settings)) {
        st.execute();
        assertThat(st.getMoreResults()).isTrue();
        try (ResultSet rs = st.getResultSet()) {
          rs.next();
          assertThat(rs.getString(1)).isEqualTo("force_generic_plan off");
        }
      }
      // Sent in one round trip, they ran in one implicit transaction: the connection's next statements plan as usual.
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(settings)) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("auto on");
      }
    }
  }

  @Test
  void everyPublishStatementRunsOnItsGenericPlanOnceTheDriverHasPreparedIt() throws Exception {
    accountWithWebhooks(2);
    // One of the pool's two connections is held here: the publishes, and the read of their prepared statements
    // below, all run on the other.
    try (Database db = Database.connect(TestDatabase.get().jdbcUrl(), 2); Handle busy = db.jdbi().open()) {
      busy.createQuery("SELECT 1").mapTo(Integer.class).one();
      Publisher publisher = new Publisher(db.jdbi(), "node", 60_000, new Handed(Integer.MAX_VALUE));
      for (int i = 0; i < 8; i++) {
        publisher.publish(new NewEvent("order.filled", EventJson.parse("{}"), "one", null, null));
        publisher.publish(new NewEvent("order.filled", EventJson.parse("{}"), null, null, null));
      }
      List<String> plans = db.jdbi().withHandle(h -> h.createQuery("""
          SELECT generic_plans || ' generic, ' || custom_plans || ' custom' FROM pg_prepared_statements
          WHERE statement LIKE '%INSERT INTO deliveries%' ORDER BY statement LIKE '%unnest%'""")
          .mapTo(String.class).list());
      // An account's (PUBLISH_TO_ACCOUNT), then a broadcast's (PUBLISH), from the driver's fifth run of each on:
      // had its settings been lost (a statement whose parameter types the driver must first ask for syncs alone,
      // out of their transaction), each would be planned anew on every call.
      assertThat(plans).containsExactly("4 generic, 0 custom", "4 generic, 0 custom");
    }
  }

  @Test
  void aKeysLockIsHeldUntilItsPublishCommitsAlsoWhenTheDriverSyncsBetweenStatements() throws Exception {
    accountWithWebhooks(1);
    // With untyped strings the driver, from a query's sixth run on a connection, syncs between its statements.
    String url = TestDatabase.get().jdbcUrl() + "&stringtype=unspecified";
    java.util.concurrent.ExecutorService caller = java.util.concurrent.Executors.newSingleThreadExecutor();
    try (Database db = Database.connect(url, 2); Handle busy = db.jdbi().open();
        Handle row = TestDatabase.owner().open()) {
      // One of the pool's two connections is held here: every publish below runs on the other, warmed up.
      busy.createQuery("SELECT 1").mapTo(Integer.class).one();
      Publisher publisher = new Publisher(db.jdbi(), "node", 60_000, new Handed(Integer.MAX_VALUE));
      for (int i = 0; i < 8; i++) {
        publisher.publish(new NewEvent("order.filled", EventJson.parse("{}"), "one", null, "warm-" + i));
      }
      // The next keyed publish waits for its target webhook (its lock on it): is its key still locked?
      row.begin();
      row.createQuery("SELECT webhook_id FROM webhooks WHERE webhook_id = 'wh_0' FOR UPDATE").mapTo(String.class).one();
      int holder = row.createQuery("SELECT pg_backend_pid()").mapTo(Integer.class).one();
      java.util.concurrent.Future<Publisher.Published> held = caller.submit(() -> publisher.publish(
          new NewEvent("order.filled", EventJson.parse("{}"), "one", null, "held")));
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> TestDatabase.count(
          "SELECT count(*) FROM pg_stat_activity WHERE " + holder + " = ANY(pg_blocking_pids(pid))") == 1);
      assertThat(TestDatabase.count("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
          + " WHERE l.locktype = 'advisory' AND l.classid = 7270004 AND l.granted"
          + " AND " + holder + " = ANY(pg_blocking_pids(a.pid))")).isEqualTo(1);
      row.rollback();
      assertThat(held.get(10, java.util.concurrent.TimeUnit.SECONDS).deliveriesCreated()).isEqualTo(1);
    } finally {
      caller.shutdownNow();
    }
  }

  /** A clean database with account "one" and its webhooks wh_0.. subscribed to order.filled. */
  private static Database accountWithWebhooks(int webhooks) {
    Database db = TestDatabase.clean();
    db.jdbi().useHandle(h -> {
      h.execute("INSERT INTO accounts (account_id) VALUES ('one')");
      for (int i = 0; i < webhooks; i++) {
        h.execute("INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)"
            + " VALUES (?, 'one', 'n', 'http://127.0.0.1:9/', ARRAY['order.filled'], 's', 'h')", "wh_" + i);
      }
    });
    return db;
  }
}
