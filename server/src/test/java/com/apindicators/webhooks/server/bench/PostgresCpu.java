package com.apindicators.webhooks.server.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * CPU time of an embedded PostgreSQL's processes (the postmaster, and the backends and workers alive now: a worker
 * that exits between two readings takes its time with it, so a reading can only be too low) and of this JVM.
 */
final class PostgresCpu {
  private final long postmaster;

  /** The embedded PostgreSQL whose data directory is under {@code dir}. */
  PostgresCpu(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      Path pidFile = files.filter(f -> f.getFileName().toString().equals("postmaster.pid")).findFirst().orElseThrow();
      this.postmaster = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
    }
  }

  Duration postgres() {
    ProcessHandle p = ProcessHandle.of(postmaster)
        .orElseThrow(() -> new IllegalStateException("PostgreSQL's postmaster " + postmaster + " is not running"));
    return p.children().map(PostgresCpu::of).reduce(of(p), Duration::plus);
  }

  static Duration jvm() {
    return of(ProcessHandle.current());
  }

  private static Duration of(ProcessHandle p) {
    return p.info().totalCpuDuration()
        .orElseThrow(() -> new IllegalStateException("the CPU time of process " + p.pid() + " is not readable"));
  }
}
