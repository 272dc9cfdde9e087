package com.apindicators.webhooks.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.client.CliTest.Run;
import com.apindicators.webhooks.server.config.Metrics;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code webhooks bench}: a few-second run of every workload against a real server, and its usage errors. */
class BenchCommandTest {
  @RegisterExtension static final LiveServerExtension ext = new LiveServerExtension();
  static final LiveServer server = ext.server();

  @Test
  void everyWorkloadRunsLosesNothingAndLeavesNoWebhookBehind() throws Exception {
    Run r;
    try (Metrics.Endpoint metrics = server.server.metrics().serve("127.0.0.1", 0)) {
      r = CliTest.cli(server, "-o", "json", "bench", "--webhooks", "3", "--events", "4", "--fanout-webhooks", "20",
          "--fanout-accounts", "2", "--rate", "20", "--seconds", "1", "--watchers", "3", "--raw-seconds", "1",
          "--warmup", "1", "--metrics-url", "http://127.0.0.1:" + metrics.address().getPort() + Metrics.PATH,
          "--workloads", "throughput,fanout,isolation,latency,publish,memory");
    }
    assertThat(r.exit()).as(r.err().toString() + r.stdout()).isZero();
    JsonObject report = JsonParser.parseString(r.stdout()).getAsJsonObject();
    assertThat(report.get("rawPostsPerSecond").getAsLong()).isPositive();
    var rows = report.getAsJsonArray("workloads");
    assertThat(rows).hasSize(6);
    for (var row : rows.asList().subList(0, 5)) {
      JsonObject w = row.getAsJsonObject();
      assertThat(w.get("lost").getAsLong()).as(w.toString()).isZero();
      assertThat(w.get("errors").getAsLong()).as(w.toString()).isZero();
      assertThat(w.get("failed").getAsLong()).as(w.toString()).isZero();
      assertThat(w.get("deliveriesPerSecond").getAsLong()).as(w.toString()).isPositive();
      assertThat(w.getAsJsonObject("receivedMs").get("p50").getAsDouble()).as(w.toString()).isPositive();
    }
    // The bench's own CPU during each workload: it shares the machine with the server it measures.
    double clientCpu = 0;
    for (var row : rows.asList()) {
      double cpu = row.getAsJsonObject().get("clientCpuSeconds").getAsDouble();
      assertThat(cpu).as(row.toString()).isNotNegative();
      clientCpu += cpu;
    }
    assertThat(clientCpu).isPositive();
    // The server's CPU during each, and its JIT's share, from its metrics (here the server shares the test's JVM).
    for (var row : rows.asList()) {
      JsonObject w = row.getAsJsonObject();
      assertThat(w.get("serverCpuSeconds").getAsDouble()).as(w.toString()).isPositive();
      assertThat(w.get("serverJitSeconds").getAsDouble()).as(w.toString()).isNotNegative();
    }
    JsonObject throughput = rows.get(0).getAsJsonObject();
    assertThat(throughput.get("workload").getAsString()).isEqualTo("throughput");
    assertThat(throughput.get("note").getAsString()).isEqualTo("4 events x 3 webhooks, 8 publishers");
    assertThat(rows.get(2).getAsJsonObject().get("note").getAsString())
        .startsWith("fast webhooks kept").contains("beside 64 webhooks on 16 endpoints that never answer");

    JsonObject memory = rows.get(5).getAsJsonObject();
    assertThat(memory.get("errors").getAsLong()).isZero();
    assertThat(memory.get("publishPerSecond").getAsLong()).isPositive();
    assertThat(memory.get("note").getAsString()).contains("endpoints that never answer").contains("first half max");

    // The warm-up ran with the latency workload's watchers open (each with an API key of its account), and every
    // key the bench made is revoked: a run against a shared server leaves no live credential behind.
    String warmup = benchAccount("warmup-0");
    int warmupKeys = server.db.jdbi().withHandle(h -> h.createQuery(
        "SELECT count(*) FROM api_keys WHERE account_id = :a").bind("a", warmup).mapTo(Integer.class).one());
    assertThat(warmupKeys).isEqualTo(1);
    int benchKeys = server.db.jdbi().withHandle(h -> h.createQuery(
        "SELECT count(*) FROM api_keys WHERE account_id LIKE 'bench-%'").mapTo(Integer.class).one());
    assertThat(benchKeys).as("the warm-up's and the latency workload's").isGreaterThan(1);
    int liveBenchKeys = server.db.jdbi().withHandle(h -> h.createQuery(
        "SELECT count(*) FROM api_keys WHERE account_id LIKE 'bench-%' AND revoke_time IS NULL")
        .mapTo(Integer.class).one());
    assertThat(liveBenchKeys).isZero();

    // Each workload deletes its webhooks: nothing keeps posting to the bench's receiver after it stopped.
    try (WebhooksClient admin = WebhooksClient.connect(server.target(), server.adminKey, null, null, null)) {
      // The warm-up's throughput burst ran in an account of its own (the burst paths compile before the measured one).
      for (String workload : new String[] {"warmup-0", "warmup-throughput-0", "throughput-0", "fanout-1",
          "isolation-hanging-0", "latency-0", "publish-9", "memory-3"}) {
        String account = benchAccount(workload);
        assertThat(admin.listWebhooks(account)).as(account).isEmpty();
      }
    } catch (InterruptedException | java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void isolationBesideEndpointsThatAnswerLateLosesNothing() {
    Run r = CliTest.cli(server, "-o", "json", "bench", "--rate", "20", "--seconds", "2", "--raw-seconds", "0",
        "--warmup", "0", "--hanging-answer", "1", "--workloads", "isolation");
    assertThat(r.exit()).as(r.err().toString() + r.stdout()).isZero();
    JsonObject row = JsonParser.parseString(r.stdout()).getAsJsonObject().getAsJsonArray("workloads").get(0)
        .getAsJsonObject();
    assertThat(row.get("lost").getAsLong()).as(row.toString()).isZero();
    assertThat(row.get("errors").getAsLong()).as(row.toString()).isZero();
    // The slow endpoints did answer (their deliveries are not the fast ones the row counts).
    assertThat(row.get("note").getAsString()).containsPattern("on 16 endpoints that answer 200 after 1 s \\([1-9][0-9]* answered\\)");
  }

  @Test
  void unknownWorkloadsAndZeroSizesAreUsageErrors() {
    Run unknown = CliTest.cli(server, "bench", "--workloads", "throughput,warp");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err().toString()).contains("unknown workload 'warp'")
        .contains("throughput, fanout, isolation, latency, publish, memory");
    Run zero = CliTest.cli(server, "bench", "--rate", "0");
    assertThat(zero.exit()).isEqualTo(2);
    assertThat(zero.err().toString()).contains("at least 1");
    Run negative = CliTest.cli(server, "bench", "--warmup", "-1");
    assertThat(negative.exit()).isEqualTo(2);
    assertThat(negative.err().toString()).contains("warm-up seconds at least 0");
    Run negativeAnswer = CliTest.cli(server, "bench", "--hanging-answer", "-1");
    assertThat(negativeAnswer.exit()).isEqualTo(2);
    assertThat(negativeAnswer.err().toString()).contains("--hanging-answer at least 0");
    Run quickAlone = CliTest.cli(server, "bench", "--hanging-quick");
    assertThat(quickAlone.exit()).isEqualTo(2);
    assertThat(quickAlone.err().toString()).contains("--hanging-quick needs --hanging-answer");
  }

  /**
   * The account the every-workload run made for a workload (named bench-RUN-WORKLOAD-N): its run is the one with a
   * warm-up (the other runs here have none, and share the server).
   */
  private static String benchAccount(String suffix) {
    return server.db.jdbi().withHandle(h -> {
      String warmup = h.createQuery("SELECT account_id FROM accounts WHERE account_id LIKE 'bench-%-warmup-0'")
          .mapTo(String.class).one();
      String account = warmup.substring(0, warmup.length() - "warmup-0".length()) + suffix;
      return h.createQuery("SELECT account_id FROM accounts WHERE account_id = :a").bind("a", account)
          .mapTo(String.class).one();
    });
  }
}
