package com.apindicators.webhooks.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Python, Node.js, Go and Ruby examples, generated from proto/ and run against a real server (each with its own
 * account and receiver), must print the same answers as the Java client running the same script, so a contract
 * change that breaks other languages, or a runtime that serializes differently, fails the build. CI installs their
 * tools (.ci/run); elsewhere they run when present.
 */
class ExamplesTest {
  @RegisterExtension static final LiveServerExtension ext = new LiveServerExtension();
  static final LiveServer server = ext.server();
  /** What the Java client got: every example must print the same. */
  static Map<String, Object> javaAnswers;

  @BeforeAll
  static void start() throws Exception {
    javaAnswers = JavaExample.run(server, "java-example");
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

  /** The ANSWERS line an example printed before OK, parsed; numbers as the JSON parser gives them. */
  private static Map<String, Object> answers(String out) {
    assertThat(out).endsWith("OK\n");
    String line = out.lines().filter(l -> l.startsWith("ANSWERS ")).reduce((a, b) -> b).orElseThrow(
        () -> new AssertionError("no ANSWERS line in:\n" + out));
    return new Gson().fromJson(line.substring("ANSWERS ".length()), new TypeToken<Map<String, Object>>() { }.getType());
  }

  private static void assertAgreesWithTheJavaClient(String out) {
    Map<String, Object> java = new Gson().fromJson(new Gson().toJson(javaAnswers), new TypeToken<Map<String, Object>>() { }.getType());
    assertThat(answers(out)).as("the example's answers (the Java client's are the expected ones)").isEqualTo(java);
  }

  @Test
  void javaClientGetsTheDocsBytesTheSameEventTwiceAndResumesItsWatch() {
    assertThat(javaAnswers).containsEntry("same_event", true).containsEntry("event_id_prefix", "evt_")
        .containsEntry("deliveries_created", List.of(1, 1)).containsEntry("data_json", JavaExample.DOCS_DATA)
        .containsEntry("before_resume", List.of("DELIVERY_STATUS_PENDING"))
        .containsEntry("after_resume", List.of("DELIVERY_STATUS_DELIVERED")).containsEntry("same_delivery", true)
        .containsEntry("response_code", 200).containsEntry("verified", List.of(true))
        .containsEntry("body", "{\"event\":\"signal.buy\",\"timestamp\":\"2026-04-03T14:30:00Z\",\"data\":" + JavaExample.DOCS_DATA + "}");
  }

  @Test
  void pythonExampleAgreesWithTheJavaClient() throws Exception {
    assumeTrue(requiredOrPresent("/usr/bin/python3", "/usr/bin/protoc", "/usr/bin/grpc_python_plugin"),
        "python3-grpcio, protobuf-compiler and protobuf-compiler-grpc are not installed");
    Path dir = Path.of("examples", "python");
    run(dir, "bash", "generate.sh");
    assertAgreesWithTheJavaClient(run(dir, "/usr/bin/python3", "example.py", "--server", server.target(),
        "--api-key", server.adminKey));
  }

  @Test
  void nodeExampleAgreesWithTheJavaClient() throws Exception {
    assumeTrue(requiredOrPresent("/usr/bin/node", "/usr/bin/npm"), "node and npm are not installed");
    Path dir = Path.of("examples", "node");
    if (!Files.isDirectory(dir.resolve("node_modules"))) {
      run(dir, "npm", "install", "--no-audit", "--no-fund");
    }
    assertAgreesWithTheJavaClient(run(dir, "node", "example.js", "--server", server.target(), "--api-key", server.adminKey));
  }

  @Test
  void goExampleAgreesWithTheJavaClient() throws Exception {
    assumeTrue(requiredOrPresent("/usr/bin/go", "/usr/bin/protoc", "/usr/bin/protoc-gen-go", "/usr/bin/protoc-gen-go-grpc"),
        "golang-go, protoc-gen-go, protoc-gen-go-grpc, golang-google-grpc-dev and golang-google-protobuf-dev are not installed");
    Path dir = Path.of("examples", "go");
    run(dir, "bash", "generate.sh");
    assertAgreesWithTheJavaClient(run(dir, "bash", "run.sh", "--server", server.target(), "--api-key", server.adminKey));
  }

  @Test
  void rubyExampleAgreesWithTheJavaClient() throws Exception {
    assumeTrue(requiredOrPresent("/usr/bin/ruby", "/usr/bin/grpc_tools_ruby_protoc"),
        "ruby, ruby-grpc, ruby-grpc-tools and ruby-google-protobuf are not installed");
    Path dir = Path.of("examples", "ruby");
    run(dir, "bash", "generate.sh");
    assertAgreesWithTheJavaClient(run(dir, "/usr/bin/ruby", "example.rb", "--server", server.target(), "--api-key", server.adminKey));
  }
}
