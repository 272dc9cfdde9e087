package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.TestDatabase;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.junit.jupiter.api.BeforeEach;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/** The result writer on real PostgreSQL: a bad row or a stale outcome never costs other rows their results. */
class ResultWriterTest {
  private static final String NODE = "node_a";
  private Jdbi jdbi;

  @BeforeEach
  void cleanTables() {
    jdbi = OneWebhook.clean();
  }

  /** Pending deliveries dlv_0.. leased to a node. */
  private List<DeliveryJob> pending(int count, String leaseOwner) {
    List<DeliveryJob> jobs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = "dlv_" + i;
      jdbi.useHandle(h -> h.createUpdate("""
          INSERT INTO deliveries (delivery_id, event_id, webhook_id, account_id, event_type, url, status, max_attempts,
              retry_initial_ms, retry_max_ms, next_attempt_time, lease_owner, lease_until)
          VALUES (:id, 'evt_1', 'wh_1', 'acct', 'signal.buy', 'http://127.0.0.1:9/', 'PENDING', 2, 1000, 60000,
              now(), :owner, now() + interval '1 minute')
          """).bind("id", id).bind("owner", leaseOwner).execute());
      jobs.add(OneWebhook.job(id));
    }
    return jobs;
  }

  private static Outcome delivered(DeliveryJob job) {
    return OneWebhook.delivered(job, "ok");
  }

  private String status(String deliveryId) {
    return jdbi.withHandle(h -> h.createQuery("SELECT status FROM deliveries WHERE delivery_id = :id")
        .bind("id", deliveryId).mapTo(String.class).one());
  }

  private String error(String deliveryId) {
    return jdbi.withHandle(h -> h.createQuery("SELECT error FROM deliveries WHERE delivery_id = :id")
        .bind("id", deliveryId).mapTo(String.class).one());
  }

  @Test
  void theSchemaRefusesAFinishedDeliveryThatKeepsItsLease() {
    pending(1, NODE);
    // What the release and the outcome update rely on (they name no status): a lease is held on pending rows only.
    assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute(
        "UPDATE deliveries SET status = 'DELIVERED' WHERE delivery_id = 'dlv_0'")))
        .hasMessageContaining("deliveries_lease_only_pending");
    assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute("""
        INSERT INTO deliveries (delivery_id, event_id, webhook_id, account_id, event_type, url, status, max_attempts,
            retry_initial_ms, retry_max_ms, lease_owner, lease_until)
        VALUES ('dlv_x', 'evt_1', 'wh_1', 'acct', 'signal.buy', 'http://127.0.0.1:9/', 'FAILED', 2, 1000, 60000,
            'node_a', now())
        """))).hasMessageContaining("deliveries_lease_only_pending");
    jdbi.useHandle(h -> h.execute(
        "UPDATE deliveries SET status = 'DELIVERED', lease_owner = NULL, lease_until = NULL WHERE delivery_id = 'dlv_0'"));
    assertThat(status("dlv_0")).isEqualTo("DELIVERED");
  }

  @Test
  void aBatchWithARefusedRowAndADeletedDeliveryRecordsEveryOtherRow() throws Exception {
    List<DeliveryJob> jobs = pending(20, NODE);
    try (ResultWriter writer = new ResultWriter(jdbi, NODE)) {
      // Hold the writer back so the outcomes land in a batch or two, with the deleted delivery's among them.
      jdbi.useTransaction(h -> {
        h.execute("LOCK TABLE deliveries IN EXCLUSIVE MODE");
        for (DeliveryJob job : jobs) {
          if (job.deliveryId().equals("dlv_7")) {
            // A time PostgreSQL cannot store (past the year 294276): the database refuses this row.
            AttemptResult r = new AttemptResult(Instant.now(), Duration.ofMillis(5), 503, "busy", "HTTP 503", null);
            writer.submit(new Outcome(job, r, DeliveryStatus.PENDING, Instant.parse("+300000-01-01T00:00:00Z")));
          } else {
            writer.submit(delivered(job));
          }
        }
        h.execute("DELETE FROM deliveries WHERE delivery_id = 'dlv_3'");
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count(
          "SELECT count(*) FROM deliveries WHERE status <> 'PENDING'") == 19);
      for (DeliveryJob job : jobs) {
        switch (job.deliveryId()) {
          case "dlv_3" -> assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE delivery_id = 'dlv_3'")).isZero();
          case "dlv_7" -> {
            assertThat(status("dlv_7")).isEqualTo("FAILED");
            assertThat(error("dlv_7")).startsWith("Could not record the endpoint's answer: ");
          }
          default -> assertThat(status(job.deliveryId())).isEqualTo("DELIVERED");
        }
      }
      assertThat(TestDatabase.count("SELECT count(*) FROM delivery_attempt_log")).isEqualTo(19);
      assertThat(writer.setAsideOutcomes()).isEqualTo(1);
      assertThat(writer.staleOutcomes()).isEqualTo(1);
    }
  }

  @Test
  void aStaleOutcomeDoesNotOverwriteWhatTheLeaseHolderRecorded() throws Exception {
    List<DeliveryJob> jobs = pending(2, "node_b");
    // dlv_0: node_b delivered it already; dlv_1: node_b holds its lease now. node_a's outcomes come late.
    try (ResultWriter other = new ResultWriter(jdbi, "node_b")) {
      other.submit(delivered(jobs.get(0)));
      await().atMost(Duration.ofSeconds(10)).until(() -> status("dlv_0").equals("DELIVERED"));
    }
    try (ResultWriter writer = new ResultWriter(jdbi, NODE)) {
      for (DeliveryJob job : jobs) {
        writer.submit(Outcome.of(job, new AttemptResult(Instant.now(), Duration.ofSeconds(10), 0, "", "Timed out", null)));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> writer.staleOutcomes() == 2);
    }
    assertThat(status("dlv_0")).isEqualTo("DELIVERED");
    assertThat(error("dlv_0")).isEmpty();
    assertThat(status("dlv_1")).isEqualTo("PENDING");
    String owner = jdbi.withHandle(h -> h.createQuery("SELECT lease_owner FROM deliveries WHERE delivery_id = 'dlv_1'")
        .mapTo(String.class).one());
    assertThat(owner).isEqualTo("node_b");
    assertThat(TestDatabase.count("SELECT count(*) FROM delivery_attempt_log")).isEqualTo(1);
  }

  @Test
  void aLostConnectionIsWaitedOutNotMistakenForABadRow() throws Exception {
    List<DeliveryJob> jobs = pending(5, NODE);
    FlakyDataSource flaky = new FlakyDataSource(TestDatabase.get().dataSource());
    Jdbi flakyJdbi = Jdbi.create(flaky).installPlugin(new SqlObjectPlugin()).installPlugin(new PostgresPlugin());
    flaky.down.set(true);
    try (ResultWriter writer = new ResultWriter(flakyJdbi, NODE)) {
      jobs.forEach(j -> writer.submit(delivered(j)));
      // More tries than a bad batch gets before it is given up on.
      await().atMost(Duration.ofSeconds(30)).until(() -> flaky.refused.get() >= 7);
      flaky.down.set(false);
      await().atMost(Duration.ofSeconds(15)).until(() -> TestDatabase.count(
          "SELECT count(*) FROM deliveries WHERE status = 'DELIVERED'") == 5);
      assertThat(writer.setAsideOutcomes()).isZero();
    }
  }

  /** A DataSource that refuses connections (SQLState 08001) while it is down. */
  private static final class FlakyDataSource implements DataSource {
    final AtomicBoolean down = new AtomicBoolean();
    final AtomicInteger refused = new AtomicInteger();
    private final DataSource real;

    FlakyDataSource(DataSource real) {
      this.real = real;
    }

    @Override
    public Connection getConnection() throws SQLException {
      if (down.get()) {
        refused.incrementAndGet();
        throw new SQLTransientConnectionException("connection refused (test)", "08001");
      }
      return real.getConnection();
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
      return real.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
      real.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
      real.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
      return real.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      return real.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      return real.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
      return real.isWrapperFor(iface);
    }
  }

  @Test
  void aReleaseDoesNotWaitLongOnAWriterThatCannotWrite() throws Exception {
    try (Handle lock = jdbi.open(); ResultWriter writer = new ResultWriter(jdbi, NODE)) {
      // The writer stalls on the change log with its queue full (a batch taken, 20,000 waiting).
      lock.begin();
      lock.execute("LOCK TABLE delivery_changes IN EXCLUSIVE MODE");
      List<String> ids = java.util.stream.IntStream.range(0, ResultWriter.MAX_QUEUED + ResultWriter.MAX_BATCH)
          .mapToObj(i -> "dlv_fill" + i).toList();
      // Released at once (left to any poller), so none is held for an outcome (see HeldCreations).
      Thread publisher = new Thread(() -> writer.created(ids, id -> true));
      publisher.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> writer.queued() == ResultWriter.MAX_QUEUED);

      long start = System.nanoTime();
      writer.release(List.of("dlv_late"));

      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a lease not released runs out by itself")
          .isLessThan(ResultWriter.RELEASE_WAIT.multipliedBy(10));
      lock.rollback();
      publisher.join(30_000);
    }
  }
}
