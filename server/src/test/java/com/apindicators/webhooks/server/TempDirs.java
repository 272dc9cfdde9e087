package com.apindicators.webhooks.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Deletes what tests leave in temporary directories: an embedded database takes tens of MB to over 100 MB, and
 * those of many test runs filled this machine's disk.
 */
public final class TempDirs {
  private TempDirs() {}

  /** Deletes the directory and everything in it; what cannot be deleted stays (leftovers must not fail a test). */
  public static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // Left to the system's cleaning of temporary files.
    }
  }
}
