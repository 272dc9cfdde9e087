package com.apindicators.webhooks.server;

import com.apindicators.webhooks.server.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jdbi.v3.core.Jdbi;

/** One real embedded PostgreSQL for the whole test run, with its tables emptied before each test. */
public final class TestDatabase {
  private static Database database;
  /** The schema owner: emptying tables (TRUNCATE) is beyond the server's run-time role. */
  private static Jdbi owner;

  private TestDatabase() {}

  /** The shared database, started on first use and stopped when the JVM exits. */
  public static synchronized Database get() {
    if (database == null) {
      try {
        Path dir = Files.createTempDirectory("webhooks-test-db");
        database = Database.embedded(dir, 24);
        owner = Jdbi.create(database.jdbcUrl());
        Database db = database;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            db.close();
          } catch (Exception ignored) {
            // the JVM is exiting
          }
          TempDirs.delete(dir);
        }));
      } catch (Exception e) {
        throw new IllegalStateException("could not start embedded PostgreSQL", e);
      }
    }
    return database;
  }

  /** The shared database with every table emptied. */
  public static Database clean() {
    Database db = get();
    owner.useHandle(h -> {
      String tables = String.join(", ", h.createQuery("""
          SELECT quote_ident(tablename) FROM pg_tables
          WHERE schemaname = 'public' AND tablename NOT IN ('flyway_schema_history', 'delivery_changes_pruned')
          """).mapTo(String.class).list());
      h.execute("TRUNCATE " + tables + " RESTART IDENTITY CASCADE");
      h.execute("UPDATE delivery_changes_pruned SET through = 0"); // its one row, as on a new database
    });
    return db;
  }

  /** The shared database as its schema owner (for what the server's role may not do, such as dropping tables). */
  public static Jdbi owner() {
    get();
    return owner;
  }

  /**
   * Counts the changes in the change log as the stream shows them: a row that also stands for its delivery's creation
   * is two (see {@code LoggedChange}).
   */
  public static final String COUNT_CHANGES =
      "SELECT count(*) + count(*) FILTER (WHERE created_too) FROM delivery_changes";

  /** Runs a counting query against the shared database. */
  public static int count(String sql) {
    return countOn(get(), sql);
  }

  /** Runs a counting query against a database. */
  public static int countOn(Database db, String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Integer.class).one());
  }
}
