package com.apindicators.webhooks.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.Plan;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import com.apindicators.webhooks.v1.WatchDeliveriesResponse;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The client's watch resumes from its last token across a server restart and misses nothing. */
class WatchResumeTest {
  @RegisterExtension final LiveServerExtension ext = new LiveServerExtension(); // a fresh server for each test
  private final LiveServer server = ext.server();

  @Test
  void watchResumesAcrossAServerRestartWithoutGapsOrDuplicates() throws Exception {
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    receiver.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    receiver.start();
    try {
      List<WatchDeliveriesResponse> seen = new CopyOnWriteArrayList<>();
      try (WebhooksClient client = WebhooksClient.connect(server.target(), server.adminKey, null, null, null)) {
        client.setPlan("rs", Plan.PLAN_PRO);
        client.createWebhook(CreateWebhookRequest.newBuilder().setAccountId("rs").setName("r")
            .setUrl("http://127.0.0.1:" + receiver.getAddress().getPort() + "/h").addEvents("signal.buy").build());
        try (Watch watch = client.watch(WatchDeliveriesRequest.newBuilder().setAccountId("rs").build(), seen::add, t -> { })) {
          await().atMost(Duration.ofSeconds(10)).until(() -> server.server.watchers() == 1);
          for (int i = 0; i < 5; i++) {
            client.publish(PublishEventRequest.newBuilder().setType("signal.buy").setAccountId("rs").build());
          }
          await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 10);
          int port = server.port;
          server.server.stop();
          server.start(port);
          for (int i = 0; i < 5; i++) {
            // The channel reconnects on its own; an idempotency key makes retrying the publish safe.
            PublishEventRequest again = PublishEventRequest.newBuilder().setType("signal.buy").setAccountId("rs")
                .setIdempotencyKey("after-restart-" + i).build();
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> client.publish(again) != null);
          }
          await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 20);
          assertThat(watch.lastToken()).isNotEmpty();
        }
      }
      assertThat(seen).hasSize(20);
      assertThat(seen.stream().map(WatchDeliveriesResponse::getResumeToken)).doesNotHaveDuplicates();
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void anUpdateWhoseConsumerThrewIsHandedOverAgainAfterTheReconnect() throws Exception {
    try (WebhooksClient client = WebhooksClient.connect(server.target(), server.adminKey, null, null, null)) {
      client.setPlan("ct", Plan.PLAN_PRO);
      client.createWebhook(CreateWebhookRequest.newBuilder().setAccountId("ct").setName("c")
          .setUrl("http://127.0.0.1:9/h").addEvents("signal.buy").build()); // refused: a quick "failed"
      List<WatchDeliveriesResponse> taken = new CopyOnWriteArrayList<>();
      AtomicBoolean failedOnce = new AtomicBoolean();
      List<String> tokensSeenByConsumer = new CopyOnWriteArrayList<>();
      Watch[] watch = new Watch[1];
      watch[0] = client.watch(WatchDeliveriesRequest.newBuilder().setAccountId("ct").build(), r -> {
        tokensSeenByConsumer.add(watch[0] == null ? "" : watch[0].lastToken());
        // Fails once on the second update (the first has a token to resume from).
        if (r.getDelivery().getStatus() == DeliveryStatus.DELIVERY_STATUS_FAILED && failedOnce.compareAndSet(false, true)) {
          throw new IllegalStateException("the consumer failed");
        }
        taken.add(r);
      }, t -> { });
      try {
        await().atMost(Duration.ofSeconds(10)).until(() -> server.server.watchers() == 1);
        client.publish(PublishEventRequest.newBuilder().setType("signal.buy").setAccountId("ct").build());
        await().atMost(Duration.ofSeconds(20)).until(() -> taken.size() == 2);
        assertThat(taken).extracting(r -> r.getDelivery().getStatus())
            .containsExactly(DeliveryStatus.DELIVERY_STATUS_PENDING, DeliveryStatus.DELIVERY_STATUS_FAILED);
        assertThat(watch[0].lastToken()).isEqualTo(taken.get(1).getResumeToken());
        // While the consumer ran, the watch still reported the token before that update.
        assertThat(tokensSeenByConsumer.get(tokensSeenByConsumer.size() - 1)).isEqualTo(taken.get(0).getResumeToken());
      } finally {
        watch[0].close();
      }
    }
  }

  @Test
  void closingWhileReconnectingLeavesNoStreamBehind() throws Exception {
    try (WebhooksClient client = WebhooksClient.connect(server.target(), server.adminKey, null, null, null)) {
      List<WatchDeliveriesResponse> closedOnesUpdates = new CopyOnWriteArrayList<>();
      Watch watch = client.watch(WatchDeliveriesRequest.newBuilder().build(), closedOnesUpdates::add, t -> { });
      await().atMost(Duration.ofSeconds(10)).until(() -> server.server.watchers() == 1);
      int port = server.port;
      server.server.stop(); // the watch now reconnects with backoff
      watch.close();
      server.start(port);
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> client.setPlan("cl", Plan.PLAN_PRO) != null);
      List<WatchDeliveriesResponse> probe = new CopyOnWriteArrayList<>();
      try (Watch other = client.watch(WatchDeliveriesRequest.newBuilder().build(), probe::add, t -> { })) {
        await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 1);
        client.createWebhook(CreateWebhookRequest.newBuilder().setAccountId("cl").setName("c")
            .setUrl("http://127.0.0.1:9/h").addEvents("signal.buy").build());
        client.publish(PublishEventRequest.newBuilder().setType("signal.buy").setAccountId("cl").build());
        await().atMost(Duration.ofSeconds(20)).until(() -> probe.size() == 2);
        assertThat(server.server.watchers()).isEqualTo(1);
        assertThat(closedOnesUpdates).isEmpty();
      }
    }
  }
}
