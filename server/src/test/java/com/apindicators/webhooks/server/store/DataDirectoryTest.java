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
    // Mode bits do not stop root (id -u = 0 in some containers); the immutable attribute does.
    boolean immutable = Files.isWritable(parent) && chattr("+i", parent);
    assumeFalse(Files.isWritable(parent), "running as root without chattr: nothing makes a directory unwritable");
    try {
      assertThatThrownBy(() -> Database.embedded(parent.resolve("data"), 2))
          .hasMessageContaining("cannot create " + parent.resolve("data").resolve("postgres"))
          .hasMessageContaining("permission denied on " + parent)
          .hasMessageContaining("mode 555")
          .hasMessageContaining("--data-dir");
    } finally {
      if (immutable) {
        chattr("-i", parent);
      }
    }
  }

  private static boolean chattr(String flag, Path path) throws Exception {
    try {
      Process p = new ProcessBuilder("chattr", flag, path.toString()).redirectErrorStream(true).start();
      return p.waitFor() == 0;
    } catch (java.io.IOException e) {
      return false; // no chattr here
    }
  }
}
