package com.apindicators.webhooks.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.Plan;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/**
 * The server stops a DeleteWebhook at its deadline and keeps the webhook, so the client gives deletes a deadline
 * of their own: a delete that waits its turn longer than the client's deadline for other calls still finishes.
 */
class DeleteDeadlineTest {
  private static int count(LiveServer server, String sql) {
    return server.db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Integer.class).one());
  }

  private static String webhook(WebhooksClient client, String account, String name) {
    return client.createWebhook(CreateWebhookRequest.newBuilder().setAccountId(account).setName(name)
        .setUrl("http://127.0.0.1:9/" + name).addEvents("signal.buy").build()).getWebhook().getWebhookId();
  }

  @Test
  void aDeleteWaitingLongerThanTheClientsDeadlineForOtherCallsStillFinishes() throws Exception {
    Duration shortDeadline = Duration.ofMillis(500);
    try (LiveServer server = new LiveServer();
        WebhooksClient client = WebhooksClient.connect(server.target(), server.adminKey, null, null, null)) {
      ManagedChannel channel = Grpc.newChannelBuilder(server.target(), InsecureChannelCredentials.create()).build();
      try (Handle row = server.db.jdbi().open()) {
        WebhooksClient hurried = new WebhooksClient(channel, server.adminKey, shortDeadline);
        client.setPlan("dd", Plan.PLAN_PRO);
        String first = webhook(client, "dd", "first");
        String second = webhook(client, "dd", "second");
        // The first delete waits for the webhook row held here; the second waits for the account's turn.
        row.begin();
        row.createQuery("SELECT webhook_id FROM webhooks WHERE webhook_id = ? FOR KEY SHARE").bind(0, first)
            .mapTo(String.class).one();
        CompletableFuture<Void> deleteFirst = CompletableFuture.runAsync(() -> client.deleteWebhook(first));
        await().atMost(Duration.ofSeconds(10)).until(() -> count(server, """
            SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%DELETE FROM webhooks%'
            """) == 1);
        Deadline passed = Deadline.after(shortDeadline.toMillis(), TimeUnit.MILLISECONDS);
        CompletableFuture<Void> deleteSecond = CompletableFuture.runAsync(() -> hurried.deleteWebhook(second));
        await().atMost(Duration.ofSeconds(10)).until(passed::isExpired);
        row.commit();

        deleteFirst.get(30, TimeUnit.SECONDS);
        deleteSecond.get(30, TimeUnit.SECONDS);
        assertThat(count(server, "SELECT count(*) FROM webhooks WHERE account_id = 'dd'")).isZero();
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
