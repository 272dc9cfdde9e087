package com.apindicators.webhooks.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Python and Node.js examples, generated from proto/ and run against a real server, so a contract change that
 * breaks other languages fails the build. CI installs their tools (.ci/run); elsewhere they run when present.
 */
class ExamplesTest {
  static LiveServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new LiveServer();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static boolean requiredOrPresent(String... files) {
    boolean present = List.of(files).stream().allMatch(f -> new File(f).canExecute());
    return present || System.getenv("CI") != null;
  }

  private static String run(Path dir, String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as(out).isTrue();
    assertThat(p.exitValue()).as("%s printed:%n%s", String.join(" ", command), out).isZero();
    return out;
  }

  @Test
  void pythonExampleCreatesPublishesAndSeesItDeliveredAndVerified() throws Exception {
    assumeTrue(requiredOrPresent("/usr/bin/python3", "/usr/bin/protoc", "/usr/bin/grpc_python_plugin"),
        "python3-grpcio, protobuf-compiler and protobuf-compiler-grpc are not installed");
    Path dir = Path.of("examples", "python");
    run(dir, "bash", "generate.sh");
    String out = run(dir, "/usr/bin/python3", "example.py", "--server", server.target(), "--api-key", server.adminKey);
    assertThat(out).contains("received and verified: [True]").contains("DELIVERY_STATUS_DELIVERED").endsWith("OK\n");
  }

  @Test
  void nodeExampleCreatesPublishesAndSeesItDeliveredAndVerified() throws Exception {
    assumeTrue(requiredOrPresent("/usr/bin/node", "/usr/bin/npm"), "node and npm are not installed");
    Path dir = Path.of("examples", "node");
    if (!Files.isDirectory(dir.resolve("node_modules"))) {
      run(dir, "npm", "install", "--no-audit", "--no-fund");
    }
    String out = run(dir, "node", "example.js", "--server", server.target(), "--api-key", server.adminKey);
    assertThat(out).contains("received and verified: [ true ]").contains("DELIVERY_STATUS_DELIVERED").endsWith("OK\n");
  }
}
