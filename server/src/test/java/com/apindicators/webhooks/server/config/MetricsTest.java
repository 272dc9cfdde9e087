package com.apindicators.webhooks.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.WatchClient;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void prometheusEndpointCountsAttemptsAndShowsWatchers() throws Exception {
    try (GrpcTestServer server = GrpcTestServer.start(); Receiver receiver = new Receiver()) {
      receiver.on("/bad", n -> Answer.status(500, ""));
      Fixtures f = new Fixtures(server.channel);
      f.webhook("m", receiver.url("/ok"), "signal.buy");
      f.webhook("m", receiver.url("/bad"), "signal.buy");
      try (Metrics.Endpoint http = server.server.metrics().serve("127.0.0.1", 0);
          WatchClient watch = WatchClient.open(server.channel, WatchDeliveriesRequest.getDefaultInstance())) {
        await().until(() -> server.server.watchers() == 1);
        f.publish("signal.buy", "{}", "m");
        await().atMost(Duration.ofSeconds(10)).until(
            () -> TestDatabase.count("SELECT count(*) FROM deliveries WHERE status <> 'PENDING'") == 2);
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + http.address().getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(text).contains("webhooks_delivery_attempts_total{outcome=\"delivered\"} 1")
            .contains("webhooks_delivery_attempts_total{outcome=\"failed\"} 1")
            .contains("webhooks_delivery_attempt_duration_seconds_count 2")
            .contains("webhooks_watchers 1")
            .contains("webhooks_dispatcher_in_flight 0");
      }
    }
  }

  @Test
  void metricsListenOnTheGivenAddressAndAnswer404ForAnyOtherPath() throws Exception {
    try (Metrics.Endpoint http = new Metrics().serve("127.0.0.1", 0)) {
      assertThat(http.address().getAddress().isLoopbackAddress()).isTrue();
      HttpClient client = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + http.address().getPort();
      assertThat(get(client, base + "/metrics").statusCode()).isEqualTo(200);
      for (String path : List.of("/", "/metricsx", "/metrics/x", "/-/healthy", "/favicon.ico", "/../metrics")) {
        HttpResponse<String> r = get(client, base + path);
        assertThat(r.statusCode()).as(path).isEqualTo(404);
        assertThat(r.body()).as(path).doesNotContain("webhooks_");
      }
      HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
          .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
    }
  }

  @Test
  void grpcListensOnTheBoundAddressOnly() throws Exception {
    io.grpc.Server s = Transport.netty("127.0.0.1", 0, Transport.Tls.NONE).build().start();
    try {
      assertThat(s.getListenSockets()).singleElement().satisfies(a ->
          assertThat(((java.net.InetSocketAddress) a).getAddress().getHostAddress()).isEqualTo("127.0.0.1"));
    } finally {
      s.shutdownNow();
    }
  }

  private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
