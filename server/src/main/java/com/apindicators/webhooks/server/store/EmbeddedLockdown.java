package com.apindicators.webhooks.server.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Locks the embedded PostgreSQL down: SCRAM password logins only (the password in a mode-600 file in the data
 * directory), TCP on loopback only and no Unix socket, and two roles without superuser for the server: an owner
 * that migrates the schema and a run-time role with only DML on it. A data directory of an older version
 * (trust for every local user, everything as superuser) is converted on its next start.
 */
final class EmbeddedLockdown {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedLockdown.class);
  /** Owns the schema and runs the migrations. */
  static final String OWNER = "webhooks_owner";
  /** The server at run time: SELECT, INSERT, UPDATE, DELETE on the schema's tables, nothing else. */
  static final String APP = "webhooks_app";
  static final String DATABASE = "postgres";
  /** The file, in the data directory, holding the password of every role of the embedded PostgreSQL. */
  static final String PASSWORD_FILE = "postgres.password";
  private static final String HBA = """
      # Written by the webhooks server on every start: password (SCRAM) logins only, from loopback only.
      local all all               scram-sha-256
      host  all all 127.0.0.1/32  scram-sha-256
      host  all all ::1/128       scram-sha-256
      """;
  /** Only while a data directory of an older version is converted: its superuser has no password yet. */
  private static final String UPGRADE_HBA = """
      host  all postgres 127.0.0.1/32  trust
      host  all postgres ::1/128       trust
      """ + HBA;

  private final Path pgDir;
  private final Path passwordFile;
  private final String password;
  private final boolean upgrade;

  private EmbeddedLockdown(Path pgDir, Path passwordFile, String password, boolean upgrade) {
    this.pgDir = pgDir;
    this.passwordFile = passwordFile;
    this.password = password;
    this.upgrade = upgrade;
  }

  /** Reads the password file, or creates it for a new or older data directory. */
  static EmbeddedLockdown prepare(Path dataDir, Path pgDir) throws IOException {
    Path file = dataDir.resolve(PASSWORD_FILE);
    boolean initialized = Files.exists(pgDir.resolve("postgresql.conf"));
    boolean upgrade = initialized && trustsAnyone(pgDir.resolve("pg_hba.conf"));
    if (Files.exists(file)) {
      return new EmbeddedLockdown(pgDir, file, Files.readString(file, StandardCharsets.UTF_8).strip(), upgrade);
    }
    if (initialized && !upgrade) {
      throw new IOException("the embedded PostgreSQL in " + pgDir + " only accepts the password that was in " + file
          + ", which is missing; restore that file");
    }
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    Path tmp = file.resolveSibling(PASSWORD_FILE + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, password + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    log.info("Wrote the embedded PostgreSQL's password to {} (mode 600)", file.toAbsolutePath());
    return new EmbeddedLockdown(pgDir, file, password, upgrade);
  }

  private static boolean trustsAnyone(Path hba) throws IOException {
    return Files.readAllLines(hba, StandardCharsets.UTF_8).stream()
        .map(l -> l.replaceAll("#.*", "").strip())
        .anyMatch(l -> !l.isEmpty() && List.of(l.split("\\s+")).contains("trust"));
  }

  /** Settings for zonky: initdb with SCRAM and our password, loopback only, and our pg_hba.conf before each start. */
  EmbeddedPostgres.Builder configure(EmbeddedPostgres.Builder builder) {
    return builder
        // zonky passes "-A trust" to initdb; these extra options come after it and win.
        .setLocaleConfig("auth", "scram-sha-256")
        .setLocaleConfig("pwfile", passwordFile.toAbsolutePath().toString())
        .setConnectConfig("password", password)
        .setServerConfig("listen_addresses", "localhost")
        .setServerConfig("unix_socket_directories", "")
        .setServerConfig("password_encryption", "scram-sha-256")
        .setDataDirectoryCustomizer(dir -> writeHba(upgrade ? UPGRADE_HBA : HBA));
  }

  private void writeHba(String content) {
    try {
      Files.writeString(pgDir.resolve("pg_hba.conf"), content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates (or corrects) the two roles and hands them the schema; then ends an older version's trust. */
  void apply(DataSource superuser) throws SQLException {
    try (Connection c = superuser.getConnection(); Statement st = c.createStatement()) {
      String pw = "'" + password + "'"; // base64url: nothing to escape
      if (upgrade) {
        st.execute("ALTER ROLE postgres PASSWORD " + pw);
      }
      for (String role : List.of(OWNER, APP)) {
        st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') THEN"
            + " CREATE ROLE " + role + "; END IF; END $$");
        st.execute("ALTER ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
            + " PASSWORD " + pw);
      }
      st.execute("ALTER SCHEMA public OWNER TO " + OWNER);
      st.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
      st.execute("REVOKE TEMPORARY ON DATABASE " + DATABASE + " FROM PUBLIC");
      st.execute("GRANT USAGE ON SCHEMA public TO " + APP);
      // Tables (with their indexes and serial sequences) an older version created as postgres.
      st.execute("""
          DO $$
          DECLARE r record;
          BEGIN
            FOR r IN SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace
                AND relkind IN ('r', 'p', 'v', 'm') AND relowner = 'postgres'::regrole LOOP
              EXECUTE format('ALTER TABLE public.%I OWNER TO OWNER_ROLE', r.relname);
            END LOOP;
            -- Sequences a table owned moved with it; these are the others.
            FOR r IN SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace
                AND relkind = 'S' AND relowner = 'postgres'::regrole LOOP
              EXECUTE format('ALTER SEQUENCE public.%I OWNER TO OWNER_ROLE', r.relname);
            END LOOP;
          END $$""".replace("OWNER_ROLE", OWNER));
      // Tables later migrations create get the same grants as those that exist (see grantRuntime).
      st.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + OWNER + " IN SCHEMA public"
          + " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO " + APP);
      st.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + OWNER + " IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO " + APP);
      if (upgrade) {
        writeHba(HBA);
        st.execute("SELECT pg_reload_conf()");
        log.info("Locked down the embedded PostgreSQL in {}: password logins only (password in {})",
            pgDir.toAbsolutePath(), passwordFile.toAbsolutePath());
      }
    }
  }

  /** After migrating: the run-time role gets DML on every table and the sequences, never the migration history. */
  static void grantRuntime(DataSource owner) throws SQLException {
    try (Connection c = owner.getConnection(); Statement st = c.createStatement()) {
      st.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + APP);
      st.execute("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " + APP);
      st.execute("REVOKE ALL ON TABLE public.flyway_schema_history FROM " + APP);
    }
  }

  String password() {
    return password;
  }
}
