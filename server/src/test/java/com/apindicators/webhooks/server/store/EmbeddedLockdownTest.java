package com.apindicators.webhooks.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.apindicators.webhooks.server.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded PostgreSQL lets no other local user in, and the server itself works without superuser powers. */
class EmbeddedLockdownTest {
  @Test
  void loginsWithoutTheRightPasswordAreRefused() {
    String base = baseUrl(TestDatabase.get());
    String port = base.replaceAll(".*:([0-9]+)/.*", "$1");
    assertThat(Path.of("/tmp/.s.PGSQL." + port)).as("no Unix socket where every local user can reach it").doesNotExist();
    for (String host : List.of("localhost", "127.0.0.1")) {
      String url = base.replace("//localhost:", "//" + host + ":");
      for (String user : List.of("postgres", EmbeddedLockdown.OWNER, EmbeddedLockdown.APP)) {
        assertThatThrownBy(() -> DriverManager.getConnection(url, user, "wrong").close())
            .as(user + " with a wrong password on " + host).isInstanceOf(SQLException.class)
            .hasMessageContaining("password authentication failed");
        assertThatThrownBy(() -> DriverManager.getConnection(url + "?user=" + user).close())
            .as(user + " without a password on " + host).isInstanceOf(SQLException.class);
      }
    }
  }

  @Test
  void runtimeRoleIsNotSuperuserAndCannotRunProgramsOrChangeTheSchema() {
    var jdbi = TestDatabase.get().jdbi();
    assertThat(one(jdbi, "SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles WHERE rolname = current_user",
        Boolean.class)).isFalse();
    assertThat(one(jdbi, "SELECT current_user", String.class)).isEqualTo(EmbeddedLockdown.APP);
    for (String sql : List.of("COPY (SELECT 1) TO PROGRAM 'true'", "CREATE TABLE intruder (x int)",
        "CREATE TEMP TABLE intruder (x int)",
        "DROP TABLE events", "TRUNCATE events", "CREATE ROLE intruder SUPERUSER", "DELETE FROM flyway_schema_history")) {
      assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute(sql))).as(sql)
          .hasMessageContaining("ERROR:");
    }
  }

  @Test
  void commitsAreSynchronousAndFsynced() {
    var jdbi = TestDatabase.get().jdbi();
    for (String setting : List.of("synchronous_commit", "fsync", "full_page_writes")) {
      assertThat(one(jdbi, "SHOW " + setting, String.class)).as(setting).isEqualTo("on");
    }
  }

  @Test
  void dataDirectoryOfTheTrustingVersionIsLockedDownOnRestartWithItsDataIntact(@TempDir Path dir) throws Exception {
    Path pgDir = dir.resolve("postgres");
    Files.createDirectories(pgDir);
    // As the old version started it: zonky's defaults (trust), migrated and used as the superuser.
    try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(pgDir).setCleanDataDirectory(false)
        .setRegisterShutdownHook(false).start()) {
      Flyway.configure().dataSource(old.getPostgresDatabase()).locations("classpath:db/migration").load().migrate();
      try (Connection c = old.getPostgresDatabase().getConnection()) {
        c.createStatement().execute("INSERT INTO accounts (account_id, plan) VALUES ('kept', 'FREE')");
      }
    }
    assertThat(Files.readString(pgDir.resolve("pg_hba.conf"))).contains("trust");

    try (Database db = Database.embedded(dir, 2)) {
      assertThat(one(db.jdbi(), "SELECT string_agg(account_id, ',') FROM accounts", String.class)).isEqualTo("kept");
      db.jdbi().useHandle(h -> h.execute("INSERT INTO accounts (account_id, plan) VALUES ('new', 'FREE')"));
      assertThat(one(db.jdbi(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> '"
          + EmbeddedLockdown.OWNER + "'", Integer.class)).isZero();
      assertThat(Files.readAllLines(pgDir.resolve("pg_hba.conf")).stream()
          .filter(l -> !l.startsWith("#")).filter(l -> l.contains("trust"))).isEmpty();
      String base = baseUrl(db);
      assertThatThrownBy(() -> DriverManager.getConnection(base + "?user=postgres").close()).isInstanceOf(SQLException.class);
      assertThatThrownBy(() -> DriverManager.getConnection(base, "postgres", "").close()).isInstanceOf(SQLException.class);
      Path passwordFile = dir.resolve(EmbeddedLockdown.PASSWORD_FILE);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile))).isEqualTo("rw-------");
      try (Connection c = DriverManager.getConnection(base, "postgres", Files.readString(passwordFile).strip())) {
        assertThat(c.isValid(1)).isTrue();
      }
    }
  }

  @Test
  void newDataDirectoryHasAnOwnerOnlyPasswordFile(@TempDir Path dir) throws Exception {
    // The shared test database's directory is not ours to look into; the file is written before PostgreSQL starts.
    EmbeddedLockdown.prepare(dir, dir.resolve("postgres"));
    Path passwordFile = dir.resolve(EmbeddedLockdown.PASSWORD_FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile))).isEqualTo("rw-------");
    assertThat(Files.readString(passwordFile).strip()).hasSizeGreaterThanOrEqualTo(32);
  }

  private static <T> T one(Jdbi jdbi, String sql, Class<T> type) {
    return jdbi.withHandle(h -> h.createQuery(sql).mapTo(type).one());
  }

  private static String baseUrl(Database db) {
    return db.jdbcUrl().replaceAll("\\?.*", "");
  }
}
