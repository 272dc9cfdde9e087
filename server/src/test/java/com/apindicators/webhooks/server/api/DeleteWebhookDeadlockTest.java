package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.v1.DeleteWebhookRequest;
import com.apindicators.webhooks.v1.GetWebhookRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/**
 * DeleteWebhook against a transaction that holds one of the webhook's deliveries and then wants the webhook row,
 * as the result writer does when it records an outcome and applies a disable policy: PostgreSQL breaks the deadlock
 * by aborting the delete, and the delete runs again instead of answering INTERNAL.
 */
class DeleteWebhookDeadlockTest {
  @Test
  void aDeleteAbortedToBreakADeadlockRunsAgainAndSucceeds() throws Exception {
    try (GrpcTestServer server = GrpcTestServer.start()) {
      Fixtures f = new Fixtures(server.channel);
      // Port 9 on loopback refuses: the delivery exists and stays pending between its retries.
      String id = f.webhook("acct", "http://127.0.0.1:9/hook", "signal.buy").getWebhook().getWebhookId();
      f.publish("signal.buy", "{\"n\":1}", "");
      await().atMost(Duration.ofSeconds(10))
          .until(() -> TestDatabase.count("SELECT count(*) FROM deliveries") == 1);

      try (Handle writer = server.db.jdbi().open()) {
        writer.begin();
        writer.execute("UPDATE deliveries SET error = error WHERE webhook_id = ?", id);
        CompletableFuture<Void> delete = CompletableFuture.runAsync(
            () -> f.webhooks.deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(id).build()));
        // The delete holds the webhook row and waits for the delivery this transaction holds.
        await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count("""
            SELECT count(*) FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE '%DELETE FROM webhooks%'
            """) == 1);
        // Now this side wants the webhook row: a cycle, which PostgreSQL breaks by aborting the delete (it waited
        // first, so its deadlock check runs first). Without a retry the call would fail INTERNAL here.
        writer.createQuery("SELECT webhook_id FROM webhooks WHERE webhook_id = ? FOR KEY SHARE").bind(0, id)
            .mapTo(String.class).list();
        writer.commit();
        delete.get(30, TimeUnit.SECONDS);
      }

      StatusRuntimeException gone = Assertions.catchThrowableOfType(
          () -> f.webhooks.getWebhook(GetWebhookRequest.newBuilder().setWebhookId(id).build()),
          StatusRuntimeException.class);
      assertThat(gone.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(TestDatabase.count("SELECT count(*) FROM deliveries")).isZero();
    }
  }
}
