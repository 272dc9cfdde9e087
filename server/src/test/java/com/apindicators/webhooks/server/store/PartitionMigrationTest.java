package com.apindicators.webhooks.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.delivery.Delivery;
import com.apindicators.webhooks.server.delivery.DeliveryAttempt;
import com.apindicators.webhooks.server.delivery.DeliveryDao;
import com.apindicators.webhooks.server.events.EventDao;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Migration V9 on a database that has data from before it: every row survives, with its id, in its day. */
class PartitionMigrationTest {
  /** Every column the deliveries had before V9 (V13 adds the final attempt's start time, null on these rows). */
  private static final String DELIVERIES =
      "SELECT string_agg((to_jsonb(t) - 'attempt_start_time')::text, E'\\n' ORDER BY seq) FROM deliveries t";
  private static final String EVENTS = "SELECT string_agg(t::text, E'\\n' ORDER BY seq) FROM events t";
  private static final String ATTEMPTS = """
      SELECT string_agg(concat_ws(',', delivery_id, attempt, start_time, duration_ms, response_code, response_body, error),
          E'\\n' ORDER BY delivery_id, attempt) FROM delivery_attempts
      """;
  private static final String CHANGES = """
      SELECT string_agg(concat_ws(',', change_id, delivery_id, status, change_time), E'\\n' ORDER BY change_id)
      FROM delivery_changes
      """;

  @TempDir
  Path dir;

  private static String one(Jdbi jdbi, String sql) {
    return jdbi.withHandle(h -> h.createQuery(sql).mapTo(String.class).one());
  }

  @Test
  void rowsSurviveWithTheirIdsInTheirDaysPartitionAndKeepWorking() throws Exception {
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(true).start()) {
      Flyway.configure().dataSource(pg.getPostgresDatabase()).locations("classpath:db/migration").target("7").load()
          .migrate();
      Jdbi jdbi = Jdbi.create(pg.getPostgresDatabase()).installPlugin(new SqlObjectPlugin())
          .installPlugin(new PostgresPlugin());
      jdbi.useHandle(h -> {
        h.execute("INSERT INTO accounts (account_id) VALUES ('acme')");
        h.execute("""
            INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)
            VALUES ('wh_1', 'acme', 'hook', 'http://127.0.0.1:9/', '{signal.buy}', 'x', 'x')
            """);
        // Three days of data with ids as they were made before V9: base62 events, UUIDv4 deliveries.
        h.execute("""
            INSERT INTO events (event_id, type, account_id, event_time, data_json, idempotency_key, request_hash,
                deliveries_created, create_time)
            SELECT 'evt_legacy' || d, 'signal.buy', 'acme', now(), '{"n":' || d || '}',
                CASE WHEN d = 2 THEN 'key-1' END, 'hash' || d, 1, now() - d * interval '1 day'
            FROM unnest(ARRAY[40, 2, 0]) AS d
            """);
        h.execute("""
            INSERT INTO deliveries (delivery_id, event_id, webhook_id, account_id, event_type, url, status, attempt_count,
                max_attempts, retry_initial_ms, retry_max_ms, create_time, complete_time)
            SELECT 'dlv_' || replace(gen_random_uuid()::text, '-', ''), event_id, 'wh_1', 'acme', 'signal.buy', 'u',
                'DELIVERED', 1, 1, 1000, 1000, create_time, create_time
            FROM events
            """);
        h.execute("""
            INSERT INTO delivery_attempts (delivery_id, attempt, start_time, duration_ms, response_code, response_body, error)
            SELECT delivery_id, 1, create_time, 7, 200, 'ok', '' FROM deliveries
            """);
        h.execute("""
            INSERT INTO delivery_changes (delivery_id, webhook_id, account_id, event_id, event_type, url, status,
                response_code, error, attempt_count, duration_ms, create_time, complete_time, next_attempt_time, change_time)
            SELECT delivery_id, webhook_id, account_id, event_id, event_type, url, status, 200, '', 1, 7, create_time,
                complete_time, NULL, create_time FROM deliveries
            """);
      });
      String events = one(jdbi, EVENTS);
      String deliveries = one(jdbi, DELIVERIES);
      String attempts = one(jdbi, ATTEMPTS);
      String changes = one(jdbi, CHANGES);
      List<String> ids = jdbi.withHandle(h -> h.createQuery("SELECT delivery_id FROM deliveries ORDER BY seq")
          .mapTo(String.class).list());

      Flyway.configure().dataSource(pg.getPostgresDatabase()).locations("classpath:db/migration").load().migrate();

      assertThat(one(jdbi, EVENTS)).isEqualTo(events);
      assertThat(one(jdbi, DELIVERIES)).isEqualTo(deliveries);
      assertThat(one(jdbi, ATTEMPTS)).isEqualTo(attempts);
      assertThat(one(jdbi, CHANGES)).isEqualTo(changes);
      // Each row sits in its own day's partition.
      assertThat(one(jdbi, """
          SELECT count(*) FROM deliveries
          WHERE tableoid::regclass::text <> 'deliveries_p' || to_char(create_time AT TIME ZONE 'UTC', 'YYYYMMDD')
          """)).isEqualTo("0");
      assertThat(one(jdbi, "SELECT count(DISTINCT tableoid) FROM delivery_attempts")).isEqualTo("3");
      // Old ids are found, old idempotency keys still answer, and new rows continue the sequences with timed ids.
      for (String id : ids) {
        Optional<Delivery> found = jdbi.withExtension(DeliveryDao.class, dao -> dao.find(id, Ids.span(id)));
        assertThat(found).isPresent();
        List<DeliveryAttempt> attemptsOf = jdbi.withExtension(DeliveryDao.class, dao -> dao.attempts(id, 0, 10, Ids.span(id)));
        assertThat(attemptsOf).hasSize(1);
      }
      Optional<EventDao.PriorEvent> oldest = jdbi.withExtension(EventDao.class, dao -> dao.find("evt_legacy40", Ids.span("evt_legacy40")));
      assertThat(oldest).isPresent();
      assertThat(jdbi.withExtension(EventDao.class, dao -> dao.findByKey("acme", "key-1")).orElseThrow()
          .event().eventId()).isEqualTo("evt_legacy2");
      String fresh = jdbi.withHandle(h -> h.createQuery("INSERT INTO events (type, account_id, event_time, data_json)"
          + " VALUES ('signal.buy', 'acme', now(), '{}') RETURNING event_id").mapTo(String.class).one());
      assertThat(Ids.time(fresh)).isPresent();
      assertThat(one(jdbi, "SELECT seq FROM events WHERE event_id = '" + fresh + "'")).isEqualTo("4");
      // And retention works on them: the day 40 days back goes.
      assertThat(new Retention(jdbi, 30, 7).retire()).anyMatch(t -> t.startsWith("deliveries_p"));
      assertThat(one(jdbi, "SELECT count(*) FROM deliveries")).isEqualTo("2");
    }
  }
}
