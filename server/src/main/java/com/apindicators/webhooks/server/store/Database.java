package com.apindicators.webhooks.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/** The PostgreSQL the server stores everything in: an external one, or an embedded one under the data directory. */
public final class Database implements AutoCloseable {
  /** How long a call waits for a pooled connection before it fails (as UNAVAILABLE) rather than hang. */
  public static final long CONNECTION_TIMEOUT_MS = 3_000;
  /**
   * Every connection commits synchronously, whatever the database's or role's default: a statement that returned
   * is durable (PublishEvent is one statement). Only the result writer turns it off, per transaction.
   */
  static final String SYNCHRONOUS = "SET synchronous_commit = on";
  /** How long the embedded PostgreSQL may take to accept connections: crash recovery after a kill can exceed zonky's 10 s. */
  private static final Duration EMBEDDED_STARTUP_WAIT = Duration.ofSeconds(60);
  private final EmbeddedPostgres embedded;
  private final HikariDataSource dataSource;
  private final Jdbi jdbi;
  private final String description;
  private final String jdbcUrl;

  private Database(EmbeddedPostgres embedded, HikariDataSource dataSource, String description, String jdbcUrl) {
    this.embedded = embedded;
    this.jdbcUrl = jdbcUrl;
    this.dataSource = dataSource;
    this.description = description;
    // No array type for java.sql.Timestamp, so binding one fails: the driver writes a Timestamp[] as local times
    // without offset, which PostgreSQL reads in the session's zone (an hour off in a zone's repeated autumn hour).
    // Arrays of instants go as text (Instant.toString()) cast to timestamptz[].
    this.jdbi = Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin()).installPlugin(new PostgresPlugin());
  }

  /** Connects to the PostgreSQL at a JDBC URL (user and password may be in the URL) and migrates it. */
  public static Database connect(String jdbcUrl, int poolSize) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setMaximumPoolSize(poolSize);
    config.setPoolName("webhooks");
    config.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
    config.setConnectionInitSql(SYNCHRONOUS);
    HikariDataSource ds = new HikariDataSource(config);
    migrate(ds);
    return new Database(null, ds, "PostgreSQL at " + redact(jdbcUrl), jdbcUrl);
  }

  /**
   * Starts (or restarts) an embedded PostgreSQL whose data persists in {@code dataDir/postgres}, locked down (see
   * {@link EmbeddedLockdown}), and migrates it; the server works as a role that is not superuser.
   */
  public static Database embedded(Path dataDir, int poolSize) throws IOException {
    Path pgDir = DataDirectory.create(dataDir.resolve("postgres"));
    EmbeddedLockdown lockdown = EmbeddedLockdown.prepare(dataDir, pgDir);
    StalePostmaster.stopIfOrphaned(pgDir);
    EmbeddedPostgres pg;
    try {
      pg = lockdown.configure(EmbeddedPostgres.builder())
          .setDataDirectory(pgDir)
          .setCleanDataDirectory(false)
          .setPort(0)
          .setPGStartupWait(EMBEDDED_STARTUP_WAIT)
          // zonky's defaults turn both off (it starts postgres with -F); PublishEvent promises durability.
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("fsync", "on")
          // Our own shutdown stops PostgreSQL last, after in-flight deliveries are recorded; zonky's hook
          // would stop it at the same moment as everything else.
          .setRegisterShutdownHook(false)
          .start();
    } catch (IOException | RuntimeException e) {
      StalePostmaster.stopAfterFailedStart(pgDir);
      throw new IOException("could not start the embedded PostgreSQL in " + pgDir + ": " + e.getMessage(), e);
    }
    HikariDataSource ds = null;
    try {
      lockdown.apply(pg.getPostgresDatabase());
      DataSource owner = pg.getDatabase(EmbeddedLockdown.OWNER, EmbeddedLockdown.DATABASE);
      migrate(owner);
      EmbeddedLockdown.grantRuntime(owner);
      HikariConfig config = new HikariConfig();
      config.setDataSource(pg.getDatabase(EmbeddedLockdown.APP, EmbeddedLockdown.DATABASE));
      config.setMaximumPoolSize(poolSize);
      config.setPoolName("webhooks");
      config.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
      config.setConnectionInitSql(SYNCHRONOUS);
      ds = new HikariDataSource(config);
    } catch (SQLException e) {
      close(ds, pg);
      throw new IOException("could not set up the embedded PostgreSQL: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      close(ds, pg);
      throw e;
    }
    return new Database(pg, ds, "embedded PostgreSQL in " + pgDir.toAbsolutePath() + " (port " + pg.getPort() + ")",
        pg.getJdbcUrl(EmbeddedLockdown.OWNER, EmbeddedLockdown.DATABASE) + "&password=" + lockdown.password());
  }

  private static void close(HikariDataSource ds, EmbeddedPostgres pg) throws IOException {
    if (ds != null) {
      ds.close();
    }
    pg.close();
  }

  private static void migrate(DataSource ds) {
    Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
  }

  private static String redact(String url) {
    return url.replaceAll("password=[^&]*", "password=***");
  }

  public Jdbi jdbi() {
    return jdbi;
  }

  /** The connection pool's live numbers (active, idle, waiting), for the metrics. */
  public com.zaxxer.hikari.HikariPoolMXBean pool() {
    return dataSource.getHikariPoolMXBean();
  }

  /** The most connections the pool opens. */
  public int maxPoolSize() {
    return dataSource.getMaximumPoolSize();
  }

  public DataSource dataSource() {
    return dataSource;
  }

  /** A JDBC URL (with credentials) another process can use to reach and migrate the same database (as its owner). */
  public String jdbcUrl() {
    return jdbcUrl;
  }

  /** Says which database this is, for the start-up log line. */
  public String description() {
    return description;
  }

  @Override
  public void close() throws IOException {
    dataSource.close();
    if (embedded != null) {
      embedded.close();
    }
  }
}
