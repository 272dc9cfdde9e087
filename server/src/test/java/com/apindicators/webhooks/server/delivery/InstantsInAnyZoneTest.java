package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.events.EventDao;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TimeZone;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Instants stored in batches (arrays) are the instants given, whatever the server's time zone. The driver wrote a
 * {@code Timestamp[]} as local times without offset, read by PostgreSQL in the session's zone: with the JVM in
 * Europe/Berlin, 00:30 and 01:30 UTC on 2026-10-25 are both 02:30 there (the clocks go back at 03:00), and a keyed
 * publish, a resend (the payload's timestamp) and an attempt's start and next retry were stored an hour or more off.
 */
class InstantsInAnyZoneTest {
  /** 02:30 in Berlin, the first time (summer time); the second is an hour later. */
  private static final Instant FIRST_0230 = Instant.parse("2026-10-25T00:30:00Z");
  private static final Instant SECOND_0230 = Instant.parse("2026-10-25T01:30:00Z");
  private final TimeZone zone = TimeZone.getDefault();
  private Jdbi jdbi;

  @BeforeEach
  void inBerlin() {
    jdbi = TestDatabase.clean().jdbi();
    jdbi.useHandle(h -> {
      h.execute("INSERT INTO accounts (account_id) VALUES ('acct')");
      h.execute("INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)"
          + " VALUES ('wh_1', 'acct', 'n', 'http://127.0.0.1:9/', ARRAY['order.filled'], 's', 'h')");
    });
    TimeZone.setDefault(TimeZone.getTimeZone("Europe/Berlin"));
  }

  @AfterEach
  void backToTheZoneBefore() {
    TimeZone.setDefault(zone);
    // Connections the pool opened meanwhile set their session's zone from Berlin: opened anew for the next tests.
    ((HikariDataSource) TestDatabase.get().dataSource()).getHikariPoolMXBean().softEvictConnections();
  }

  @Test
  void aKeyedPublishAndAResendKeepTheEventsInstant() {
    for (Instant time : List.of(FIRST_0230, SECOND_0230)) {
      EventDao.Publication p = new EventDao.Publication(
          new EventDao.Targets("order.filled", "acct", false, null, null, null, new String[0]), time, "{}",
          "key-" + time, "hash");
      List<EventDao.PublishRow> rows = jdbi.inTransaction(h -> EventDao.publish(h, p, "node", 60_000));
      String eventId = rows.get(0).eventId();
      assertThat(rows.get(0).job().eventTime()).isEqualTo(time);
      assertThat(epoch("SELECT event_time FROM events WHERE event_id = '" + eventId + "'")).isEqualTo(time);

      List<DeliveryJob> resent = jdbi.withHandle(h -> EventDao.fanOut(h, eventId,
          new EventDao.Targets("order.filled", "acct", false, null, null, null, new String[0]), "node", 60_000, time));
      assertThat(resent).hasSize(1).allSatisfy(j -> assertThat(j.eventTime()).as("the resend's payload time")
          .isEqualTo(time));
    }
  }

  @Test
  void anAttemptsStartAndNextRetryAreTheInstantsGiven() throws Exception {
    EventDao.Publication p = new EventDao.Publication(
        new EventDao.Targets("order.filled", "acct", false, null, null, null, new String[0]), FIRST_0230, "{}",
        null, null);
    DeliveryJob job = jdbi.withHandle(h -> EventDao.publish(h, p, "node", 60_000)).get(0).job();
    try (ResultWriter writer = new ResultWriter(jdbi, "node")) {
      writer.submit(new Outcome(job, new AttemptResult(FIRST_0230, Duration.ofMillis(5), 500, "", "boom", null),
          DeliveryStatus.PENDING, SECOND_0230));
      await().atMost(Duration.ofSeconds(10))
          .until(() -> TestDatabase.count("SELECT count(*) FROM delivery_attempts") == 1);
    }
    String id = "'" + job.deliveryId() + "'";
    assertThat(epoch("SELECT start_time FROM delivery_attempts WHERE delivery_id = " + id)).isEqualTo(FIRST_0230);
    assertThat(epoch("SELECT attempt_start_time FROM deliveries WHERE delivery_id = " + id)).isEqualTo(FIRST_0230);
    assertThat(epoch("SELECT next_attempt_time FROM deliveries WHERE delivery_id = " + id)).isEqualTo(SECOND_0230);
  }

  /** A timestamptz the query selects, read as seconds since the epoch (no driver conversion of zones). */
  private Instant epoch(String query) {
    long seconds = jdbi.withHandle(h -> h.createQuery("SELECT CAST(extract(epoch FROM t) AS bigint) FROM (" + query
        + ") AS q(t)").mapTo(Long.class).one());
    return Instant.ofEpochSecond(seconds);
  }
}
