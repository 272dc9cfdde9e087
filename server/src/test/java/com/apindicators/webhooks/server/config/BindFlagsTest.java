package com.apindicators.webhooks.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.ServerProcess;
import com.apindicators.webhooks.server.TestDatabase;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The server process takes --bind and --metrics-bind, and serves metrics on loopback only by default. */
class BindFlagsTest {
  @Test
  void theServerListensWhereItIsToldAndMetricsStayOnLoopbackByDefault() throws Exception {
    int metricsPort;
    try (ServerSocket s = new ServerSocket(0)) {
      metricsPort = s.getLocalPort();
    }
    try (ServerProcess server = ServerProcess.onDatabase(TestDatabase.clean().jdbcUrl(),
        "--bind", "127.0.0.1", "--metrics-port", Integer.toString(metricsPort))) {
      assertThat(server.output()).anyMatch(l -> l.contains("listening on port " + server.port() + " of 127.0.0.1 "));
      assertThat(server.output()).anyMatch(l -> l.contains("Prometheus metrics on http://127.0.0.1:" + metricsPort + "/metrics"));
      HttpClient client = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + metricsPort;
      assertThat(client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body()).contains("webhooks_watchers 0");
      assertThat(client.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void aBindThatIsNotAnAddressIsRefusedBeforeAnythingStarts() {
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream original = System.err;
    int code;
    System.setErr(new java.io.PrintStream(err, true));
    try {
      code = new picocli.CommandLine(new com.apindicators.webhooks.server.Main()).execute("--metrics-bind", "host.invalid");
    } finally {
      System.setErr(original);
    }
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--metrics-bind host.invalid is not an address");
  }
}
