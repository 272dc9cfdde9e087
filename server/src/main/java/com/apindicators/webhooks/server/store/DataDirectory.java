package com.apindicators.webhooks.server.store;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;

/** Creates a directory the server keeps its data in, and when it cannot, says why and what to do. */
public final class DataDirectory {
  private DataDirectory() {}

  /** Creates {@code dir} (and its parents) unless it exists, and checks that it is writable. */
  public static Path create(Path dir) throws IOException {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IOException("cannot create " + dir + ": " + reason(dir.toAbsolutePath(), e) + hint(), e);
    }
    if (!Files.isWritable(dir)) {
      throw new IOException("cannot write to " + dir + ": permission denied (" + describe(dir) + ")" + hint());
    }
    return dir;
  }

  private static String hint() {
    return "; choose --data-dir (env WEBHOOKS_DATA_DIR) pointing to a directory user "
        + System.getProperty("user.name") + " can write to";
  }

  /** Names the nearest existing ancestor that is in the way, and how. */
  private static String reason(Path dir, IOException e) {
    Path p = dir;
    while (p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      p = p.getParent();
    }
    if (p == null) {
      return String.valueOf(e.getMessage());
    }
    if (!Files.isDirectory(p)) {
      return p + " is a file, not a directory";
    }
    if (!Files.isWritable(p)) {
      String detail = e instanceof FileSystemException f && f.getReason() != null ? ": " + f.getReason() : "";
      return "permission denied on " + p + " (" + describe(p) + detail + ")";
    }
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static String describe(Path p) {
    try {
      PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class);
      return "owner " + a.owner().getName() + ", mode " + mode(a);
    } catch (IOException | UnsupportedOperationException e) {
      return "not writable";
    }
  }

  private static String mode(PosixFileAttributes a) {
    int bits = 0;
    for (PosixFilePermission perm : a.permissions()) {
      bits |= 1 << (8 - perm.ordinal());
    }
    return Integer.toOctalString(bits);
  }
}
