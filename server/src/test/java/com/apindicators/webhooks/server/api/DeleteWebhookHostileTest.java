package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.config.Scrape;
import com.apindicators.webhooks.v1.DeleteWebhookRequest;
import com.apindicators.webhooks.v1.DeleteWebhookResponse;
import com.apindicators.webhooks.v1.WebhookServiceGrpc;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Channel;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * A tenant deleting the same webhook many times at once, and another account's webhook meanwhile: one delete wins,
 * the others end NOT_FOUND without harm, the other account's webhook is untouched and its name never queues, and
 * nothing stays counted or waiting.
 */
class DeleteWebhookHostileTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Fixtures admin = ext.fixtures();

  private String webhook(String account) {
    String id = admin.webhook(account, "http://127.0.0.1:9/" + account, "order.filled").getWebhook().getWebhookId();
    admin.publish("order.filled", "{}", account);
    await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count(
        "SELECT count(*) FROM deliveries WHERE webhook_id = '" + id + "'") == 1);
    return id;
  }

  private static boolean exists(String webhookId) {
    return TestDatabase.count("SELECT count(*) FROM webhooks WHERE webhook_id = '" + webhookId + "'") == 1;
  }

  private double metric(String name, String... labels) throws Exception {
    return Scrape.of(server.server.metrics()).value(name, labels);
  }

  @Test
  void theSameWebhookDeletedManyTimesAtOnceAndAnotherAccountsWebhookMeanwhile() throws Exception {
    String mine = webhook("acct-a");
    String theirs = webhook("acct-b");
    Channel keyA = server.channelForAccount("acct-a");
    WebhookServiceGrpc.WebhookServiceFutureStub a = WebhookServiceGrpc.newFutureStub(keyA);
    List<ListenableFuture<DeleteWebhookResponse>> deletes = new ArrayList<>();
    try (Handle row = server.db.jdbi().open()) {
      // The webhook's row held: the first delete waits in its last step, the others for the account's turn.
      row.begin();
      row.createQuery("SELECT webhook_id FROM webhooks WHERE webhook_id = ? FOR KEY SHARE").bind(0, mine)
          .mapTo(String.class).one();
      for (int i = 0; i < 5; i++) {
        deletes.add(a.deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(mine).build()));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> metric("webhooks_deletes_waiting", "queue", "account") == 4);
      // Another account's webhook: NOT_FOUND at once, not queued behind the tenant's own deletes.
      StatusAssert other = StatusAssert.failing(() -> WebhookServiceGrpc.newBlockingStub(keyA)
          .deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(theirs).build()));
      assertThat(other.code()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(TestDatabase.count("SELECT count(*) FROM webhooks WHERE deleting_until IS NOT NULL AND webhook_id = '"
          + theirs + "'")).as("another account's webhook marked as being deleted").isZero();
      assertThat(metric("webhooks_deletes_waiting", "queue", "account")).isEqualTo(4);
      row.commit();
    }
    int ok = 0;
    for (ListenableFuture<DeleteWebhookResponse> d : deletes) {
      try {
        d.get(30, TimeUnit.SECONDS);
        ok++;
      } catch (ExecutionException e) {
        assertThat(Status.fromThrowable(e.getCause()).getCode()).isEqualTo(Status.Code.NOT_FOUND);
      }
    }
    assertThat(ok).isEqualTo(1);
    assertThat(exists(mine)).isFalse();
    assertThat(exists(theirs)).isTrue();
    assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE webhook_id = '" + theirs + "'")).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> metric("webhooks_account_calls_in_flight") == 0);
    assertThat(metric("webhooks_deletes_waiting")).isZero();
  }

  @Test
  void aDeleteThatStopsIsLoggedWithWhatItDeleted() throws Exception {
    String first = webhook("acct-a");
    String second = webhook("acct-a");
    WebhookServiceGrpc.WebhookServiceFutureStub a = WebhookServiceGrpc.newFutureStub(server.channelForAccount("acct-a"));
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    Logger logger = (Logger) LoggerFactory.getLogger(WebhookGrpcService.class);
    logger.addAppender(logs);
    logs.start();
    try (Handle row = server.db.jdbi().open()) {
      row.begin();
      row.createQuery("SELECT webhook_id FROM webhooks WHERE webhook_id = ? FOR KEY SHARE").bind(0, first)
          .mapTo(String.class).one();
      ListenableFuture<DeleteWebhookResponse> deleteFirst =
          a.deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(first).build());
      await().atMost(Duration.ofSeconds(10)).until(() -> TestDatabase.count("SELECT count(*) FROM pg_stat_activity"
          + " WHERE wait_event_type = 'Lock' AND query LIKE '%DELETE FROM webhooks%'") == 1);
      // The second waits for the account's turn until its deadline passes: the server stops it and says so.
      ListenableFuture<DeleteWebhookResponse> deleteSecond = a.withDeadlineAfter(200, TimeUnit.MILLISECONDS)
          .deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(second).build());
      ExecutionException e = catchThrowableOfType(ExecutionException.class,
          () -> deleteSecond.get(10, TimeUnit.SECONDS));
      assertThat(Status.fromThrowable(e.getCause()).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      await().atMost(Duration.ofSeconds(10)).until(() -> logs.list.stream().anyMatch(l ->
          l.getFormattedMessage().contains(second) && l.getFormattedMessage().contains("DELETE_STOPPED")));
      assertThat(logs.list.stream().filter(l -> l.getFormattedMessage().contains(second)).findFirst().orElseThrow()
          .getFormattedMessage()).contains("deadline passed").contains("after deleting 0");
      row.commit();
      deleteFirst.get(30, TimeUnit.SECONDS);
    } finally {
      logger.detachAppender(logs);
    }
    assertThat(exists(first)).isFalse();
    assertThat(exists(second)).isTrue();
  }
}
