package com.apindicators.webhooks.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A pool too busy to lend a connection is not a database that is down: health must not send every call away. */
class DatabaseHealthTest {
  @Test
  void aPoolBusyPastItsConnectionTimeoutDoesNotMarkTheDatabaseDown() throws Exception {
    List<Boolean> changes = new CopyOnWriteArrayList<>();
    try (Database db = Database.connect(TestDatabase.get().jdbcUrl(), 2);
         Connection one = db.dataSource().getConnection(); Connection two = db.dataSource().getConnection()) {
      DatabaseHealth health = new DatabaseHealth(db.dataSource(), 100, changes::add);
      health.start();
      try {
        // Each ping waits the pool's connection timeout and fails; wait for two of them.
        await().atMost(Duration.ofMillis(6 * Database.CONNECTION_TIMEOUT_MS)).until(() -> health.failedPings() >= 2);
        assertThat(health.isUp()).isTrue();
        assertThat(changes).isEmpty();
      } finally {
        health.close();
      }
    }
  }
}
