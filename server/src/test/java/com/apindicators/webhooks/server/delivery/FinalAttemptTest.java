package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.events.EventDao;
import com.apindicators.webhooks.server.store.Ids;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A delivery's final attempt is kept on its row alone (V13): no copy in {@code delivery_attempts}, yet listed with
 * every other attempt, in order, once; moved there by a redelivery (of any release: a trigger) before the next attempt
 * takes the row's place; and listed once when a process of an earlier release copied it there too.
 */
class FinalAttemptTest {
  private static final String BIG_BODY = "x".repeat(HttpSender.MAX_RESPONSE_BODY_BYTES);
  private static final Instant T1 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(60);
  private static final Instant T2 = T1.plusSeconds(10);
  private static final Instant T3 = T1.plusSeconds(20);
  private Jdbi jdbi;
  private DeliveryLog log;

  @BeforeEach
  void oneWebhook() {
    jdbi = TestDatabase.clean().jdbi();
    log = new DeliveryLog(jdbi);
    jdbi.useHandle(h -> {
      h.execute("INSERT INTO accounts (account_id) VALUES ('acct')");
      h.execute("INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint,"
          + " retry_max_attempts) VALUES ('wh_1', 'acct', 'n', 'http://127.0.0.1:9/', ARRAY['order.filled'], 's', 'h', 3)");
    });
  }

  @Test
  void aFirstAttemptThatEndsTheDeliveryIsWrittenOnceAndListed() throws Exception {
    DeliveryJob job = publish();
    record(job, T1, 200, BIG_BODY, "", DeliveryStatus.DELIVERED);

    assertThat(count("SELECT count(*) FROM delivery_attempts")).as("no copy of the final attempt").isZero();
    assertThat(count("SELECT coalesce(sum(length(response_body)), 0) FROM deliveries")
        + count("SELECT coalesce(sum(length(response_body)), 0) FROM delivery_attempts"))
        .as("the receiver's body stored once").isEqualTo(BIG_BODY.length());
    List<DeliveryAttempt> attempts = log.attempts(job.deliveryId(), 0, 10).attempts();
    assertThat(attempts).containsExactly(new DeliveryAttempt(1, T1, 7, 200, BIG_BODY, ""));
    assertThat(log.attempts(job.deliveryId(), 1, 10).attempts()).isEmpty();
  }

  @Test
  void anAttemptARetryFollowsIsLoggedAndTheFinalOneListedAfterIt() throws Exception {
    DeliveryJob job = publish();
    record(job, T1, 503, "busy", "Endpoint answered HTTP 503; a 2xx is needed", DeliveryStatus.PENDING);
    assertThat(count("SELECT count(*) FROM delivery_attempts")).as("a retry follows: logged").isEqualTo(1);
    assertThat(log.attempts(job.deliveryId(), 0, 10).attempts()).as("pending: the row's attempt is the logged one")
        .extracting(DeliveryAttempt::attempt).containsExactly(1);

    record(next(job), T2, 200, "fine", "", DeliveryStatus.DELIVERED);
    assertThat(count("SELECT count(*) FROM delivery_attempts")).isEqualTo(1);
    assertThat(log.attempts(job.deliveryId(), 0, 10).attempts()).containsExactly(
        new DeliveryAttempt(1, T1, 7, 503, "busy", "Endpoint answered HTTP 503; a 2xx is needed"),
        new DeliveryAttempt(2, T2, 7, 200, "fine", ""));
    // Paged one at a time, each page from wherever its attempt is kept.
    DeliveryLog.Attempts first = log.attempts(job.deliveryId(), 0, 1);
    assertThat(first.attempts()).extracting(DeliveryAttempt::attempt).containsExactly(1);
    assertThat(first.more()).isTrue();
    DeliveryLog.Attempts second = log.attempts(job.deliveryId(), 1, 1);
    assertThat(second.attempts()).extracting(DeliveryAttempt::attempt).containsExactly(2);
    assertThat(second.more()).isFalse();
  }

  @Test
  void aRedeliveryLogsTheFinalAttemptBeforeTheNextTakesTheRowsPlace() throws Exception {
    DeliveryJob job = publish();
    record(job, T1, 500, "down", "Endpoint answered HTTP 500; a 2xx is needed", DeliveryStatus.FAILED);
    assertThat(count("SELECT count(*) FROM delivery_attempts")).isZero();

    DeliveryJob again = jdbi.withExtension(DeliveryDao.class,
        dao -> dao.redeliver(job.deliveryId(), "node", 60_000, Ids.span(job.deliveryId()))).orElseThrow();
    assertThat(count("SELECT count(*) FROM delivery_attempts")).as("moved in the redelivery's statement").isEqualTo(1);
    assertThat(log.attempts(job.deliveryId(), 0, 10).attempts())
        .containsExactly(new DeliveryAttempt(1, T1, 7, 500, "down", "Endpoint answered HTTP 500; a 2xx is needed"));
    // Refused (pending already): nothing moves twice.
    Optional<DeliveryJob> refused = jdbi.withExtension(DeliveryDao.class,
        dao -> dao.redeliver(job.deliveryId(), "node", 60_000, Ids.span(job.deliveryId())));
    assertThat(refused).isEmpty();
    assertThat(count("SELECT count(*) FROM delivery_attempts")).isEqualTo(1);

    record(again, T2, 200, "fine", "", DeliveryStatus.DELIVERED);
    DeliveryJob third = jdbi.withExtension(DeliveryDao.class,
        dao -> dao.redeliver(job.deliveryId(), "node", 60_000, Ids.span(job.deliveryId()))).orElseThrow();
    record(third, T3, 204, "", "", DeliveryStatus.DELIVERED);
    assertThat(log.attempts(job.deliveryId(), 0, 10).attempts())
        .extracting(DeliveryAttempt::attempt, DeliveryAttempt::startTime, DeliveryAttempt::responseCode)
        .containsExactly(tuple(1, T1, 500), tuple(2, T2, 200), tuple(3, T3, 204));
    assertThat(count("SELECT count(*) FROM delivery_attempts")).isEqualTo(2);
  }

  @Test
  void aRedeliveryByAnEarlierReleaseKeepsTheFinalAttemptToo() throws Exception {
    DeliveryJob job = publish();
    record(job, T1, 500, "down", "", DeliveryStatus.FAILED);
    // The redelivery's update as the release before V13 made it (nothing of its own moves the attempt).
    jdbi.useHandle(h -> h.execute("""
        UPDATE deliveries SET status = 'PENDING', complete_time = NULL, next_attempt_time = now(),
            max_attempts = GREATEST(max_attempts, attempt_count + 1), lease_owner = 'node',
            lease_until = now() + interval '1 minute'
        WHERE delivery_id = ?""", job.deliveryId()));
    assertThat(log.attempts(job.deliveryId(), 0, 10).attempts())
        .containsExactly(new DeliveryAttempt(1, T1, 7, 500, "down", ""));
    record(next(job), T2, 200, "fine", "", DeliveryStatus.DELIVERED);
    assertThat(log.attempts(job.deliveryId(), 0, 10).attempts()).extracting(DeliveryAttempt::responseCode)
        .containsExactly(500, 200);
  }

  @Test
  void aFinalAttemptAnEarlierReleaseCopiedIsListedOnceFromItsCopy() throws Exception {
    DeliveryJob job = publish();
    // This release records attempt 1 (a retry follows): the row carries its start time.
    record(job, T1, 503, "busy", "", DeliveryStatus.PENDING);
    // A process of the release before V13 records attempt 2 as that release did: the row without a start time
    // (it keeps attempt 1's), and the attempt copied.
    jdbi.useHandle(h -> {
      h.execute("""
          UPDATE deliveries SET status = 'DELIVERED', attempt_count = 2, response_code = 200, response_body = 'old',
              error = '', duration_ms = 9, complete_time = now(), next_attempt_time = NULL, lease_owner = NULL,
              lease_until = NULL
          WHERE delivery_id = ?""", job.deliveryId());
      h.execute("""
          INSERT INTO delivery_attempts (delivery_id, attempt, start_time, duration_ms, response_code, response_body,
              error, delivery_create_time)
          SELECT delivery_id, 2, CAST(? AS timestamptz), 9, 200, 'old', '', create_time FROM deliveries""", T2.toString());
    });
    assertThat(log.attempts(job.deliveryId(), 0, 10).attempts()).containsExactly(
        new DeliveryAttempt(1, T1, 7, 503, "busy", ""), new DeliveryAttempt(2, T2, 9, 200, "old", ""));
  }

  @Test
  void theReadmesCopyBeforeGoingBackToAnEarlierReleaseLogsEveryFinalAttemptOnce() throws Exception {
    DeliveryJob job = publish();
    record(job, T1, 503, "busy", "", DeliveryStatus.PENDING);
    record(next(job), T2, 200, "fine", "", DeliveryStatus.DELIVERED);
    List<DeliveryAttempt> listed = log.attempts(job.deliveryId(), 0, 10).attempts();
    String copy = "INSERT INTO delivery_attempts (delivery_id, delivery_create_time, attempt, start_time, duration_ms,"
        + " response_code, response_body, error) SELECT * FROM delivery_attempt_log ON CONFLICT DO NOTHING";
    jdbi.useHandle(h -> h.execute(copy));
    jdbi.useHandle(h -> h.execute(copy));
    assertThat(count("SELECT count(*) FROM delivery_attempts")).isEqualTo(2);
    assertThat(log.attempts(job.deliveryId(), 0, 10).attempts()).isEqualTo(listed);
  }

  @Test
  void dayPartitionsMadeLaterLogARedeliveredFinalAttemptToo() {
    // The test database's partitions were made before V13 created the trigger: a day 40 days on (UTC, as the
    // partitions are cut, whatever the session's time zone) gets its partition now, and a row at its noon.
    LocalDate day = LocalDate.now(ZoneOffset.UTC).plusDays(40);
    OffsetDateTime noon = day.atTime(12, 0).atOffset(ZoneOffset.UTC);
    jdbi.useHandle(h -> h.createQuery("SELECT webhooks_create_partitions(:day, :day)").bind("day", day)
        .mapTo(Integer.class).one());
    jdbi.useHandle(h -> h.createUpdate("""
        INSERT INTO deliveries (delivery_id, event_id, webhook_id, account_id, event_type, url, status, attempt_count,
            max_attempts, retry_initial_ms, retry_max_ms, create_time, complete_time, attempt_start_time,
            response_code, response_body)
        VALUES ('dlv_later', 'evt_later', 'wh_1', 'acct', 'order.filled', 'u', 'FAILED', 1, 1, 1000, 1000,
            :noon, :noon, :noon, 500, 'down')
        """).bind("noon", noon).execute());
    jdbi.useHandle(h -> h.execute("UPDATE deliveries SET status = 'PENDING' WHERE delivery_id = 'dlv_later'"));
    assertThat(count("SELECT count(*) FROM delivery_attempts WHERE delivery_id = 'dlv_later' AND response_code = 500"
        + " AND delivery_create_time > now() + interval '39 days'")).isEqualTo(1);
  }

  /** One event to the webhook, its delivery leased to "node". */
  private DeliveryJob publish() {
    EventDao.Publication p = new EventDao.Publication(
        new EventDao.Targets("order.filled", "acct", false, null, null, null, new String[0]), T1, "{}", null, null);
    return jdbi.withHandle(h -> EventDao.publish(h, p, "node", 60_000)).get(0).job();
  }

  /** Records the job's attempt through the result writer, as the dispatcher does, and waits until it is written. */
  private void record(DeliveryJob job, Instant start, int code, String body, String error, DeliveryStatus status)
      throws Exception {
    int before = count("SELECT attempt_count FROM deliveries");
    try (ResultWriter writer = new ResultWriter(jdbi, "node")) {
      writer.submit(new Outcome(job, new AttemptResult(start, Duration.ofMillis(7), code, body, error, null), status,
          status == DeliveryStatus.PENDING ? Instant.now().plusSeconds(3600) : null));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> count("SELECT attempt_count FROM deliveries") == before + 1);
    if (status == DeliveryStatus.PENDING) {
      // Leased again, as a poller claiming the retry would.
      jdbi.useHandle(h -> h.execute("UPDATE deliveries SET lease_owner = 'node', lease_until = now() + interval '1 minute'"));
    }
  }

  /** The job's next attempt, as a poller claiming its retry would make it. */
  private static DeliveryJob next(DeliveryJob j) {
    return new DeliveryJob(j.deliveryId(), j.webhookId(), j.accountId(), j.url(), j.signingSecret(),
        j.previousSigningSecret(), j.eventType(), j.eventTime(), j.dataJson(), j.attempt() + 1, j.maxAttempts(),
        j.retryInitialMs(), j.retryMaxMs());
  }

  private static int count(String sql) {
    return TestDatabase.count(sql);
  }

  private static org.assertj.core.groups.Tuple tuple(Object... values) {
    return org.assertj.core.groups.Tuple.tuple(values);
  }
}
