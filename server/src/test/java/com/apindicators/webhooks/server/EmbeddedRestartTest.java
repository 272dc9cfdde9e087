package com.apindicators.webhooks.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.apindicators.webhooks.server.store.StalePostmaster;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server on its embedded PostgreSQL starts again after a crash, and a failed start leaves no PostgreSQL behind. */
class EmbeddedRestartTest {
  @TempDir
  Path dataDir;

  @AfterEach
  void noPostgresLeftBehind() throws Exception {
    StalePostmaster.stopIfOrphaned(dataDir.resolve("postgres")); // even when an assertion failed
  }

  @Test
  void serverKilledWithSigkillStartsAgainOnTheSameDataDir() throws Exception {
    Path pgDir = dataDir.resolve("postgres");
    try (ServerProcess first = ServerProcess.start("--data-dir", dataDir.toString())) {
      first.kill();
    }
    assertThat(StalePostmaster.find(pgDir)).as("the killed server's PostgreSQL, orphaned").isPresent();

    try (ServerProcess second = ServerProcess.start("--data-dir", dataDir.toString())) {
      assertThat(second.output()).anyMatch(l -> l.contains("left running on"));
      second.stop();
    }
    assertThat(StalePostmaster.find(pgDir)).as("PostgreSQL after a clean stop").isEmpty();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("postgres.password"))))
        .isEqualTo("rw-------");
  }

  @Test
  void metricsPortInUseFailsTheStartAndStopsPostgres() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
      assertThatThrownBy(() -> ServerProcess.start("--data-dir", dataDir.toString(),
          "--metrics-port", Integer.toString(taken.getLocalPort())))
          .hasMessageContaining("cannot serve metrics on port " + taken.getLocalPort())
          .hasMessageContaining("--metrics-port");
    }
    assertThat(Files.exists(dataDir.resolve("postgres").resolve("PG_VERSION"))).as("PostgreSQL was started").isTrue();
    assertThat(StalePostmaster.find(dataDir.resolve("postgres"))).isEmpty();
  }
}
