package com.apindicators.webhooks.server.fault;

import com.apindicators.webhooks.server.TestKeys;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The server as users run it, {@code java -jar webhooks-server.jar}, on an external PostgreSQL; killable with -9. */
public final class ServerJar {
  private final Path jar;
  private final String jdbcUrl;
  private final int port;
  private final Path dataDir;
  private final List<String> args;
  private Process process;

  /** The fault suite's server: 3 s leases, so a killed server's deliveries are taken over quickly. */
  ServerJar(Path jar, String jdbcUrl, int port) throws IOException {
    this(jar, jdbcUrl, port, "--lease-seconds", "3");
  }

  /** A server with these flags besides port, database, data dir and private targets. */
  public ServerJar(Path jar, String jdbcUrl, int port, String... args) throws IOException {
    this.jar = jar;
    this.jdbcUrl = jdbcUrl;
    this.port = port;
    this.args = List.of(args);
    this.dataDir = Files.createTempDirectory("fault-suite-server");
  }

  /** Starts it and waits until it listens; its output goes to {@code server.log} in its data dir. */
  public void start() throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
    // FAULT_SUITE_SERVER_JVM_ARGS, e.g. a JFR recording, to profile the server under the suite's load.
    String extra = System.getenv("FAULT_SUITE_SERVER_JVM_ARGS");
    if (extra != null && !extra.isBlank()) {
      command.addAll(List.of(extra.trim().split("\\s+")));
    }
    command.addAll(List.of("-jar", jar.toString(), "--port", Integer.toString(port), "--database-url", jdbcUrl,
        "--data-dir", dataDir.toString(), "--allow-private-targets"));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("WEBHOOKS_MASTER_KEY", TestKeys.MASTER);
    pb.environment().put("WEBHOOKS_ADMIN_KEY", TestKeys.ADMIN);
    process = pb.start();
    CompletableFuture<Void> listening = new CompletableFuture<>();
    Path log = dataDir.resolve("server.log");
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          Files.writeString(log, line + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
          if (line.contains("listening on port")) {
            listening.complete(null);
          }
        }
      } catch (IOException ignored) {
        // the process ended
      }
      listening.completeExceptionally(new IllegalStateException("server exited; see " + log));
    }, "server-output");
    reader.setDaemon(true);
    reader.start();
    listening.get(60, TimeUnit.SECONDS);
  }

  /** Its log. */
  public Path log() {
    return dataDir.resolve("server.log");
  }

  /** SIGKILL, as a crash would. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /** SIGTERM and wait. */
  public void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
