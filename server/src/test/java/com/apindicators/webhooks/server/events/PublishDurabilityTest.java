package com.apindicators.webhooks.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.store.Database;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
      String byDefault = external.jdbi().withHandle(h -> h.createQuery("SHOW synchronous_commit").mapTo(String.class).one());
      assertThat(byDefault).as("this database's default").isEqualTo("off");
      new Publisher(external.jdbi(), "node", 60_000, jobs -> {})
          .publish(new NewEvent("order.filled", EventJson.parse("{}"), "durable", null, null));
      assertThat(seen).containsExactly("on");
    }
  }
}
