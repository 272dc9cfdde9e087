package com.apindicators.webhooks.client.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A server process of the bench's own: the server jar on embedded PostgreSQL in a temporary directory. */
final class LocalServer implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
  final int port;
  final int metricsPort;
  final Path dir;
  private final Process process;

  LocalServer(Path jar, String heap) throws IOException, InterruptedException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException("no server jar at " + jar + ": build it (mvn -B -q package -DskipTests)"
          + " or pass --server-jar");
    }
    dir = Files.createTempDirectory("webhooks-bench");
    port = freePort();
    metricsPort = freePort();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    process = new ProcessBuilder(List.of(java, "-Xmx" + heap, "-jar", jar.toString(), "--port", "" + port,
        "--bind", "127.0.0.1", "--data-dir", dir.resolve("data").toString(), "--allow-private-targets",
        "--metrics-port", "" + metricsPort))
        .redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
    // Ctrl-C on the bench stops its server too (which stops its PostgreSQL), rather than leaving it running.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "stop-local-server"));
    awaitAdminKey();
  }

  String target() {
    return "127.0.0.1:" + port;
  }

  String adminKey() throws IOException {
    return Files.readString(dir.resolve("data").resolve("admin.key"), StandardCharsets.UTF_8).strip();
  }

  private void awaitAdminKey() throws InterruptedException, IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    Path log = dir.resolve("server.log");
    while (!Files.readString(log, StandardCharsets.UTF_8).contains("listening on port")) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("the server did not start; its log: " + log);
      }
      Thread.sleep(100);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
