package com.apindicators.webhooks.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** The server started as the jar starts it: {@code Main} in a separate JVM, spoken to over Netty. */
public final class ServerProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final List<String> output = new CopyOnWriteArrayList<>();
  private final Thread reader;

  private ServerProcess(Map<String, String> env, List<String> args) throws Exception {
    this.port = freePort();
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "com.apindicators.webhooks.server.Main", "--port", Integer.toString(port)));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    this.process = pb.start();
    CompletableFuture<Void> listening = new CompletableFuture<>();
    this.reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          output.add(line);
          if (line.contains("listening on port")) {
            listening.complete(null);
          }
        }
      } catch (IOException ignored) {
        // the process ended
      }
      listening.completeExceptionally(new IllegalStateException("server exited: " + String.join("\n", output)));
    }, "server-output");
    reader.setDaemon(true);
    reader.start();
    listening.get(60, TimeUnit.SECONDS);
  }

  /** Starts the server with these extra arguments and waits until it listens. */
  public static ServerProcess start(String... args) throws Exception {
    return new ServerProcess(Map.of(), List.of(args));
  }

  /** Starts a server that shares the test's master key and admin key, on the given database, with its own data dir. */
  public static ServerProcess onDatabase(String jdbcUrl, String... extraArgs) throws Exception {
    List<String> args = new ArrayList<>(List.of("--database-url", jdbcUrl, "--allow-private-targets",
        "--data-dir", java.nio.file.Files.createTempDirectory("webhooks-proc").toString()));
    args.addAll(List.of(extraArgs));
    return new ServerProcess(Map.of("WEBHOOKS_MASTER_KEY", TestKeys.MASTER, "WEBHOOKS_ADMIN_KEY", TestKeys.ADMIN), args);
  }

  public int port() {
    return port;
  }

  public List<String> output() {
    return output;
  }

  /** Sends SIGTERM, as Ctrl-C would, and waits for a clean exit; returns the exit code. */
  public int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    reader.join(10_000);
    return process.exitValue();
  }

  /** Sends SIGTERM, as an orchestrator stopping it would, and returns at once (see {@link #awaitExit}). */
  public void terminate() {
    // Not Process.destroy(): it also closes our end of the output, and the drain's log lines would be lost.
    process.toHandle().destroy();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Waits up to the timeout for the process to end and its output to be read; whether it ended. */
  public boolean awaitExit(long seconds) throws InterruptedException {
    boolean ended = process.waitFor(seconds, TimeUnit.SECONDS);
    if (ended) {
      reader.join(10_000);
    }
    return ended;
  }

  /** Kills the process at once (SIGKILL), as a crash would. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
    reader.join(10_000);
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      stop();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
