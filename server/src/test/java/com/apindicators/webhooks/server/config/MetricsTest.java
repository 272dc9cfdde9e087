package com.apindicators.webhooks.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import com.apindicators.webhooks.v1.AccountServiceGrpc;
import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.GetAccountRequest;
import com.apindicators.webhooks.v1.GetAccountResponse;
import com.apindicators.webhooks.v1.RetryPolicy;
import com.google.protobuf.util.Durations;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void everyMetricMovesWithRealTraffic() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    // A queue of 16 gives an account a burst share of 2 (Dispatcher.BURST_SHARE), less than a lane's own 8: the gate's
    // lane holds what it earned and the rest waits in the table, as below.
    try (GrpcTestServer server = GrpcTestServer.start(GrpcTestServer.LOOPBACK.withDispatcherQueue(16));
        Receiver receiver = new Receiver();
        Metrics.Endpoint http = server.server.metrics().serve("127.0.0.1", 0)) {
      receiver.on("/bad", n -> Answer.status(500, ""));
      receiver.on("/gate", n -> {
        hold(gate);
        return Answer.ok();
      });
      Fixtures f = new Fixtures(server.channel);
      Scrape before = Scrape.of(http);
      assertThat(before.value("webhooks_build_info", "version=\"" + Metrics.version() + "\"")).isEqualTo(1);
      assertThat(Metrics.version()).isNotEqualTo("unknown");
      assertThat(before.value("jvm_memory_used_bytes")).isPositive();
      assertThat(before.value("jvm_threads_current")).isPositive();
      assertThat(before.value("process_cpu_seconds_total")).isPositive();
      assertThat(before.value("webhooks_db_pool_max_connections")).isEqualTo(24);
      assertThat(before.value("webhooks_db_pool_connections", "state=\"idle\"")).isNotNegative();
      assertThat(before.value("webhooks_db_pool_pending_threads")).isZero();

      f.webhook("m", receiver.url("/ok"), "signal.buy");
      f.webhook(CreateWebhookRequest.newBuilder().setAccountId("m").setName("retrying").setUrl(receiver.url("/bad"))
          .addEvents("signal.buy").setRetryPolicy(RetryPolicy.newBuilder().setMaxAttempts(3)
              .setInitialBackoff(Durations.fromSeconds(3600)).setMaxBackoff(Durations.fromSeconds(3600))));
      f.webhook("g", receiver.url("/gate"), "order.filled");
      try (WatchClient watch = WatchClient.open(server.channel, WatchDeliveriesRequest.getDefaultInstance())) {
        await().until(() -> server.server.watchers() == 1);
        f.publish("signal.buy", "{}", "m");
        // 12 to an endpoint that holds every request: 4 in flight (the floor), 4 waiting here, 4 left in the table
        // (parked first, then released: the lane is full).
        for (int i = 0; i < 12; i++) {
          f.publish("order.filled", "{}", "g");
        }
        assertThatThrownBy(() -> f.publish("signal.hold", "{}", "m")).isInstanceOf(StatusRuntimeException.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/gate").size() == 4
            && TestDatabase.count("SELECT count(*) FROM deliveries WHERE account_id = 'm' AND attempt_count = 1") == 2);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          Scrape s = Scrape.of(http);
          assertThat(s.value("webhooks_deliveries_due")).isEqualTo(4);
          assertThat(s.value("webhooks_oldest_due_delivery_age_seconds")).isPositive();
          assertThat(s.value("webhooks_retries_scheduled")).isEqualTo(1);
          assertThat(s.value("webhooks_dispatcher_in_flight")).isEqualTo(4);
          assertThat(s.value("webhooks_dispatcher_unproven_in_flight")).as("the gate has not answered yet").isEqualTo(4);
          assertThat(s.value("webhooks_dispatcher_queued")).isEqualTo(4);
          assertThat(s.value("webhooks_change_feed_lag_seconds")).isZero();
        });
        gate.countDown();
        await().atMost(Duration.ofSeconds(20)).until(() -> TestDatabase.count(
            "SELECT count(*) FROM deliveries WHERE status = 'DELIVERED' AND account_id = 'g'") == 12);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          Scrape s = Scrape.of(http);
          assertThat(s.value("webhooks_deliveries_due")).isZero();
          assertThat(s.value("webhooks_oldest_due_delivery_age_seconds")).isZero();
          assertThat(s.value("webhooks_dispatcher_in_flight")).isZero();
          assertThat(s.value("webhooks_dispatcher_unproven_in_flight")).isZero();
          assertThat(s.value("webhooks_result_writer_queued")).isZero();
          assertThat(s.value("webhooks_result_writer_lag_seconds")).isZero();
        });
        Scrape after = Scrape.of(http);
        assertThat(after.value("webhooks_events_published_total", "event_type=\"signal.buy\"")).isEqualTo(1);
        assertThat(after.value("webhooks_events_published_total", "event_type=\"order.filled\"")).isEqualTo(12);
        assertThat(after.lines("webhooks_events_published_total")).noneMatch(l -> l.contains("signal.hold"));
        assertThat(after.value("webhooks_deliveries_created_total")).isEqualTo(14);
        assertThat(after.value("webhooks_delivery_attempts_total", "outcome=\"delivered\"", "event_type=\"signal.buy\""))
            .isEqualTo(1);
        assertThat(after.value("webhooks_delivery_attempts_total", "outcome=\"retry\"", "event_type=\"signal.buy\""))
            .isEqualTo(1);
        assertThat(after.value("webhooks_delivery_attempts_total", "outcome=\"delivered\"", "event_type=\"order.filled\""))
            .isEqualTo(12);
        assertThat(after.value("webhooks_delivery_attempt_duration_seconds_count")).isEqualTo(14);
        assertThat(after.value("webhooks_result_writer_batch_rows_count")).isPositive();
        // The 4 the gate's lane had no room for were parked, then released through the writer (still full).
        assertThat(after.value("webhooks_deliveries_parked_total")).isEqualTo(4);
        assertThat(after.value("webhooks_leases_released_total")).isEqualTo(4);
        assertThat(after.value("webhooks_dispatcher_parked")).isZero();
        // creations and outcomes, 14 of each, and the releases
        assertThat(after.value("webhooks_result_writer_batch_rows_sum")).isEqualTo(28 + 4);
        assertThat(after.value("webhooks_watchers")).isEqualTo(1);
        assertThat(after.value("webhooks_watchers_fell_behind_total")).isZero();
        String publish = "grpc_method=\"PublishEvent\"";
        assertThat(after.value("grpc_server_started_total", publish)).isEqualTo(14);
        assertThat(after.value("grpc_server_handled_total", publish, "grpc_code=\"OK\"")).isEqualTo(13);
        assertThat(after.value("grpc_server_handled_total", publish, "grpc_code=\"INVALID_ARGUMENT\"",
            "grpc_service=\"apindicators.webhooks.v1.EventService\"", "grpc_type=\"UNARY\"")).isEqualTo(1);
        assertThat(after.value("grpc_server_handling_seconds_count", publish)).isEqualTo(14);
        assertThat(after.value("process_cpu_seconds_total")).isGreaterThan(before.value("process_cpu_seconds_total"));
      } finally {
        gate.countDown();
      }
    }
  }

  @Test
  void callsAreCountedByStatusAndUnknownMethodsAddNoSeries() throws Exception {
    try (GrpcTestServer server = GrpcTestServer.start()) {
      assertThatThrownBy(() -> AccountServiceGrpc.newBlockingStub(server.raw)
          .getAccount(GetAccountRequest.newBuilder().setAccountId("a").build())).isInstanceOf(StatusRuntimeException.class);
      // An attacker naming methods of their own: answered UNIMPLEMENTED, and no series carries the name.
      for (int i = 0; i < 20; i++) {
        MethodDescriptor<GetAccountRequest, GetAccountResponse> made = AccountServiceGrpc.getGetAccountMethod()
            .toBuilder().setFullMethodName("apindicators.webhooks.v1.AccountService/Made" + i).build();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(server.channel, made, CallOptions.DEFAULT,
            GetAccountRequest.getDefaultInstance())).isInstanceOf(StatusRuntimeException.class)
            .hasMessageContaining("UNIMPLEMENTED");
      }
      Scrape s = Scrape.of(server.server.metrics());
      assertThat(s.value("grpc_server_handled_total", "grpc_method=\"GetAccount\"", "grpc_code=\"UNAUTHENTICATED\""))
          .isEqualTo(1);
      assertThat(s.text()).doesNotContain("Made");
    }
  }

  private static void hold(CountDownLatch gate) {
    try {
      gate.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
