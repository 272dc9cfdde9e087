package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.config.Scrape;
import com.apindicators.webhooks.v1.DeleteWebhookRequest;
import com.apindicators.webhooks.v1.DeleteWebhookResponse;
import com.apindicators.webhooks.v1.WebhookServiceGrpc;
import com.google.common.util.concurrent.ListenableFuture;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/** Deletes waiting for their turn or a permit when the server stops leave with their calls; no thread stays behind. */
class DeleteWebhookShutdownTest {
  private static boolean anyThreadIn(String method) {
    return Thread.getAllStackTraces().values().stream().anyMatch(trace -> Arrays.stream(trace)
        .anyMatch(f -> (f.getClassName() + "." + f.getMethodName()).endsWith(method)));
  }

  @Test
  void deletesWaitingWhenTheServerStopsLeaveAndTheOneInProgressEnds() throws Exception {
    GrpcTestServer server = GrpcTestServer.start();
    Fixtures admin = new Fixtures(server.channel);
    String a1 = admin.webhook("acct-a", "http://127.0.0.1:9/a1", "order.filled").getWebhook().getWebhookId();
    String a2 = admin.webhook("acct-a", "http://127.0.0.1:9/a2", "order.filled").getWebhook().getWebhookId();
    String b1 = admin.webhook("acct-b", "http://127.0.0.1:9/b1", "order.filled").getWebhook().getWebhookId();
    String c1 = admin.webhook("acct-c", "http://127.0.0.1:9/c1", "order.filled").getWebhook().getWebhookId();
    WebhookServiceGrpc.WebhookServiceFutureStub stub = WebhookServiceGrpc.newFutureStub(server.channel);
    try (Handle rows = server.db.jdbi().open()) {
      rows.begin();
      rows.createQuery("SELECT webhook_id FROM webhooks WHERE webhook_id IN (?, ?) FOR KEY SHARE")
          .bind(0, a1).bind(1, b1)
          .mapTo(String.class).list();
      // A1 and B1 hold both permits (their last steps wait for the rows held here); A2 waits for A's turn, C1 for
      // a permit.
      ListenableFuture<DeleteWebhookResponse> deleteA1 = stub.deleteWebhook(request(a1));
      ListenableFuture<DeleteWebhookResponse> deleteB1 = stub.deleteWebhook(request(b1));
      await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count("SELECT count(*) FROM pg_stat_activity"
          + " WHERE wait_event_type = 'Lock' AND query LIKE '%DELETE FROM webhooks%'") == 2);
      stub.deleteWebhook(request(a2));
      stub.deleteWebhook(request(c1));
      await().atMost(Duration.ofSeconds(10)).until(() -> Scrape.of(server.server.metrics())
          .value("webhooks_deletes_waiting") == 2);

      server.server.stop(Duration.ZERO);
      // The waiting ones leave without deleting; the two in progress finish once their rows are free.
      await().atMost(Duration.ofSeconds(10)).until(() -> Scrape.of(server.server.metrics())
          .value("webhooks_deletes_waiting") == 0);
      assertThat(anyThreadIn("FairPermits.acquire")).isFalse();
      rows.commit();
      await().atMost(Duration.ofSeconds(10)).until(() -> !anyThreadIn("Webhooks.delete"));
      assertThat(deleteA1.isDone() && deleteB1.isDone()).isTrue();
    } finally {
      server.raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(TestDatabase.count("SELECT count(*) FROM webhooks WHERE webhook_id IN ('" + a2 + "', '" + c1 + "')"))
        .isEqualTo(2);
    assertThat(TestDatabase.count("SELECT count(*) FROM webhooks WHERE webhook_id IN ('" + a1 + "', '" + b1 + "')"))
        .isZero();
  }

  private static DeleteWebhookRequest request(String id) {
    return DeleteWebhookRequest.newBuilder().setWebhookId(id).build();
  }
}
