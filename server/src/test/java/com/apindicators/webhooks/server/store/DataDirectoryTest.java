package com.apindicators.webhooks.server.store;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data directory the server cannot create says why, and which flag to change. */
class DataDirectoryTest {
  @Test
  void dataDirUnderARegularFileNamesTheFile(@TempDir Path tmp) throws Exception {
    Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
    assertThatThrownBy(() -> Database.embedded(file.resolve("data"), 2))
        .hasMessageContaining("cannot create " + file.resolve("data").resolve("postgres"))
        .hasMessageContaining(file + " is a file, not a directory")
        .hasMessageContaining("--data-dir");
  }

  @Test
  void readOnlyParentSaysPermissionDeniedWithOwnerAndMode(@TempDir Path tmp) throws Exception {
    Path parent = Files.createDirectory(tmp.resolve("read-only"));
    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("r-xr-xr-x"));
    // root writes through any mode bits (id -u = 0 in some CI containers): then nothing here can fail.
    assumeFalse(Files.isWritable(parent), "running as root: permission bits do not stop root");
    assertThatThrownBy(() -> Database.embedded(parent.resolve("data"), 2))
        .hasMessageContaining("permission denied on " + parent)
        .hasMessageContaining("mode 555")
        .hasMessageContaining("--data-dir");
  }
}
