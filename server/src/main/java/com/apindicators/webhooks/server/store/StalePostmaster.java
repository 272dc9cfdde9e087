package com.apindicators.webhooks.server.store;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and stops a PostgreSQL left running on our data directory by a server that died without its shutdown
 * (kill -9, OOM killer): it holds postmaster.pid, so a new one could not start. Only a process that is a
 * postgres whose data directory is ours is ever signalled.
 */
public final class StalePostmaster {
  private static final Logger log = LoggerFactory.getLogger(StalePostmaster.class);
  /** How long the orphan gets to shut down after SIGTERM before it and its children are killed. */
  private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(10);
  /** The lock file zonky's EmbeddedPostgres holds while a live server uses the data directory. */
  private static final String OWNER_LOCK = "epg-lock";

  private StalePostmaster() {}

  /**
   * Stops the postmaster named in {@code pgDir/postmaster.pid} if it is alive, is a postgres on {@code pgDir}, and
   * no live server holds the directory; throws if a live server does.
   */
  public static void stopIfOrphaned(Path pgDir) throws IOException {
    Optional<ProcessHandle> postmaster = find(pgDir);
    if (postmaster.isEmpty()) {
      return;
    }
    Path lockFile = pgDir.resolve(OWNER_LOCK);
    try (FileOutputStream out = new FileOutputStream(lockFile.toFile(), true);
        FileLock lock = out.getChannel().tryLock()) {
      if (lock == null) {
        throw inUse(pgDir, postmaster.get());
      }
      log.warn("Stopping PostgreSQL (pid {}) left running on {} by a server that did not shut down",
          postmaster.get().pid(), pgDir.toAbsolutePath());
      long start = System.nanoTime();
      stop(postmaster.get());
      log.info("Stopped it in {} ms", (System.nanoTime() - start) / 1_000_000);
    } catch (OverlappingFileLockException e) {
      throw inUse(pgDir, postmaster.get());
    }
  }

  /** Stops our postmaster after a start that failed in this process (zonky still holds its lock here). */
  static void stopAfterFailedStart(Path pgDir) {
    try {
      Optional<ProcessHandle> postmaster = find(pgDir);
      if (postmaster.isPresent()) {
        stop(postmaster.get());
      }
    } catch (IOException | RuntimeException e) {
      log.warn("Could not stop the PostgreSQL of a failed start in {}", pgDir, e);
    }
  }

  /** The live postgres process that postmaster.pid names, if it runs on {@code pgDir}. */
  public static Optional<ProcessHandle> find(Path pgDir) throws IOException {
    Path pidFile = pgDir.resolve("postmaster.pid");
    List<String> lines;
    try {
      lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      return Optional.empty();
    }
    if (lines.isEmpty() || !lines.get(0).strip().matches("[0-9]{1,10}")) {
      return Optional.empty();
    }
    return ProcessHandle.of(Long.parseLong(lines.get(0).strip()))
        .filter(StalePostmaster::running).filter(p -> isPostgresOn(p, pgDir));
  }

  private static boolean isPostgresOn(ProcessHandle p, Path pgDir) {
    boolean postgres = p.info().command().map(c -> Path.of(c).getFileName().toString().equals("postgres")).orElse(false);
    if (!postgres) {
      return false;
    }
    try {
      // A postmaster runs with its data directory as working directory; on Linux /proc shows it.
      Path cwd = Path.of("/proc", Long.toString(p.pid()), "cwd");
      if (Files.exists(cwd)) {
        return Files.isSameFile(cwd, pgDir);
      }
      String[] args = p.info().arguments().orElse(new String[0]);
      for (int i = 0; i + 1 < args.length; i++) {
        if (args[i].equals("-D") && Files.isSameFile(Path.of(args[i + 1]), pgDir)) {
          return true;
        }
      }
      return false;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** SIGTERM (its clients died with the old server, so it shuts down at once), then SIGKILL to it and its children. */
  private static void stop(ProcessHandle postmaster) throws IOException {
    List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
    all.add(postmaster);
    postmaster.destroy();
    if (!exited(all, SHUTDOWN_WAIT)) {
      log.warn("PostgreSQL (pid {}) did not stop within {} s; killing it", postmaster.pid(), SHUTDOWN_WAIT.toSeconds());
      all.forEach(ProcessHandle::destroyForcibly);
      if (!exited(all, SHUTDOWN_WAIT)) {
        throw new IOException("PostgreSQL (pid " + postmaster.pid() + ") left on the data directory does not stop;"
            + " stop it and start again");
      }
    }
  }

  private static boolean exited(List<ProcessHandle> processes, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (processes.stream().anyMatch(StalePostmaster::running)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** Alive and not a zombie (an exited orphan stays one until init reaps it, which not every container's init does). */
  private static boolean running(ProcessHandle p) {
    if (!p.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException | RuntimeException e) {
      return p.isAlive();
    }
  }

  private static IOException inUse(Path pgDir, ProcessHandle postmaster) {
    return new IOException("the data directory " + pgDir.getParent() + " is in use by another running server"
        + " (its PostgreSQL is pid " + postmaster.pid() + "); stop it first or choose another --data-dir");
  }
}
