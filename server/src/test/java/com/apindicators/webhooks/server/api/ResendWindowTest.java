package com.apindicators.webhooks.server.api;

import static com.apindicators.webhooks.server.OldRows.noonDaysAgo;
import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.OldRows;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.store.Retention;
import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.RedeliverDeliveryRequest;
import com.apindicators.webhooks.v1.ResendEventRequest;
import com.apindicators.webhooks.v1.RetryPolicy;
import com.apindicators.webhooks.v1.UpdateWebhookRequest;
import com.apindicators.webhooks.v1.Webhook;
import com.google.protobuf.FieldMask;
import com.google.protobuf.util.Durations;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A resend or redelivery is refused when its attempts could go on past the time its event ages out (30-day
 * retention here). Retention keeps an event's day, and every day after it, while a pending delivery needs the event:
 * before, one account resending its oldest event to a webhook retrying 10 times a day apart, again and again, held
 * retention back for every account for good; and a redelivery of a delivery whose event was retired left it pending
 * for good, with nothing to send.
 */
class ResendWindowTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Receiver receiver = ext.receiver();
  private final Fixtures f = ext.fixtures();
  private final OldRows old = new OldRows(server.db.jdbi());

  @AfterEach
  void stop() throws Exception {
    ext.close(); // the server stops before the days the tests made are retired
    new Retention(server.db.jdbi(), 1, 1).retire();
  }

  /** A webhook of the account retrying 10 times, up to a day apart: 9 days of waits at most. */
  private String patient(String account) {
    return f.webhook(CreateWebhookRequest.newBuilder().setAccountId(account).setName("patient")
        .setUrl(receiver.url("/patient")).addEvents("signal.buy").setRetryPolicy(RetryPolicy.newBuilder()
            .setMaxAttempts(10).setInitialBackoff(Durations.fromHours(1)).setMaxBackoff(Durations.fromHours(24))))
        .getWebhook().getWebhookId();
  }

  private StatusAssert resendFailing(String event, String... webhookIds) {
    return failing(() -> f.events.resendEvent(ResendEventRequest.newBuilder().setEventId(event)
        .addAllWebhookIds(List.of(webhookIds)).build()));
  }

  private static long deliveriesOf(String event) {
    return TestDatabase.count("SELECT count(*) FROM deliveries WHERE event_id = '" + event + "'");
  }

  @Test
  void anOldEventIsResentOnlyToWebhooksWhoseAttemptsEndBeforeItAgesOut() {
    String patient = patient("acme");
    String plain = f.webhook("acme", receiver.url("/plain"), "signal.buy").getWebhook().getWebhookId();
    Instant at = noonDaysAgo(25);
    String event = old.event("acme", at);

    StatusAssert refused = resendFailing(event, patient);
    assertThat(refused.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(refused.reason()).isEqualTo("EVENT_TOO_OLD_TO_RESEND");
    Instant agesOut = at.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(31));
    assertThat(refused.errorInfo().getMetadataMap()).containsEntry("ages_out", agesOut.toString());
    assertThat(refused.message()).contains("30-day retention", "10 attempts", "216 h", "Publish it again");
    assertThat(resendFailing(event).reason()).isEqualTo("EVENT_TOO_OLD_TO_RESEND"); // every webhook: the patient too
    assertThat(deliveriesOf(event)).isZero();

    // One attempt ends in 10 s: the event may be sent again until an hour before it ages out.
    assertThat(f.events.resendEvent(ResendEventRequest.newBuilder().setEventId(event).addWebhookIds(plain).build())
        .getDeliveriesCount()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/plain").size() == 1);

    String young = old.event("acme", noonDaysAgo(5)); // 9 days of retries end well before day 31
    assertThat(f.events.resendEvent(ResendEventRequest.newBuilder().setEventId(young).addWebhookIds(patient).build())
        .getDeliveriesCount()).isEqualTo(1);
  }

  /** Only webhooks the resend could reach count: not another account's, nor a disabled one of its own. */
  @Test
  void anotherAccountsOrADisabledPatientWebhookDoesNotNarrowTheWindow() {
    patient("other");
    String disabled = patient("acme");
    f.webhooks.updateWebhook(UpdateWebhookRequest.newBuilder().setWebhook(Webhook.newBuilder().setWebhookId(disabled)
        .setEnabled(false)).setUpdateMask(FieldMask.newBuilder().addPaths("enabled")).build());
    f.webhook("acme", receiver.url("/plain"), "signal.buy");
    String event = old.event("acme", noonDaysAgo(25));
    assertThat(f.events.resendEvent(ResendEventRequest.newBuilder().setEventId(event).build()).getDeliveriesCount())
        .isEqualTo(1);
  }

  @Test
  void aDeliveryWhoseEventAgesOutIsNotRedeliveredAndRetentionGoesOn() {
    String webhookId = f.webhook("acme", receiver.url("/plain"), "signal.buy").getWebhook().getWebhookId();
    String event = old.event("acme", noonDaysAgo(31));
    // A resend made while the event was young enough, delivered since.
    String resent = old.delivery(event, webhookId, noonDaysAgo(2), null);

    StatusAssert refused = failing(() -> f.deliveries.redeliverDelivery(
        RedeliverDeliveryRequest.newBuilder().setDeliveryId(resent).build()));
    assertThat(refused.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(refused.reason()).isEqualTo("EVENT_TOO_OLD_TO_RESEND");
    assertThat(f.delivery(resent).getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_DELIVERED);

    List<String> dropped = new Retention(server.db.jdbi(), Retention.DEFAULT_DAYS, Retention.DEFAULT_CHANGE_LOG_DAYS)
        .retire();
    String eventsDay = "events_p" + noonDaysAgo(31).atOffset(ZoneOffset.UTC).toLocalDate().toString().replace("-", "");
    assertThat(dropped).contains(eventsDay);
    assertThat(failing(() -> f.deliveries.redeliverDelivery(RedeliverDeliveryRequest.newBuilder()
        .setDeliveryId(resent).build())).reason()).isEqualTo("EVENT_TOO_OLD_TO_RESEND");
    assertThat(f.delivery(resent).getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
  }

  /** However its event went (here deleted by hand), a redelivery never leaves a delivery pending without it. */
  @Test
  void aRedeliveryWithoutItsEventLeavesTheDeliveryAsItWas() {
    String webhookId = f.webhook("acme", receiver.url("/plain"), "signal.buy").getWebhook().getWebhookId();
    String event = old.event("acme", noonDaysAgo(3));
    String delivery = old.delivery(event, webhookId, noonDaysAgo(2), null);
    server.db.jdbi().useHandle(h -> h.execute("DELETE FROM events WHERE event_id = ?", event));

    StatusAssert refused = failing(() -> f.deliveries.redeliverDelivery(
        RedeliverDeliveryRequest.newBuilder().setDeliveryId(delivery).build()));
    assertThat(refused.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(refused.reason()).isEqualTo("EVENT_NOT_KEPT");
    assertThat(f.delivery(delivery).getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
  }

  /**
   * Redeliveries of one delivery at once: one makes it pending, its attempt fails at once (nothing listens there), and
   * the others, refused for finding it pending, answer that it had an attempt coming. Before, they read its status
   * after the refusal, found it failed again, and answered that its event was no longer kept, which it was.
   */
  @Test
  void redeliveriesAtOnceNeverSayTheirEventIsGone() throws Exception {
    String webhookId = f.webhook("acme", "http://127.0.0.1:9/", "signal.buy").getWebhook().getWebhookId();
    String event = old.event("acme", noonDaysAgo(1));
    String delivery = old.delivery(event, webhookId, noonDaysAgo(1), null);
    // Each redelivery gives one attempt, which fails at once: the delivery is failed again within a moment.
    server.db.jdbi().useHandle(h -> h.execute("UPDATE deliveries SET max_attempts = 1 WHERE delivery_id = ?", delivery));
    RedeliverDeliveryRequest again = RedeliverDeliveryRequest.newBuilder().setDeliveryId(delivery).build();
    ExecutorService callers = Executors.newFixedThreadPool(8);
    try {
      List<String> reasons = new ArrayList<>();
      for (int round = 0; round < 5; round++) {
        List<Future<String>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          calls.add(callers.submit(() -> {
            try {
              f.deliveries.redeliverDelivery(again);
              return "OK";
            } catch (StatusRuntimeException e) {
              return new StatusAssert(e).reason();
            }
          }));
        }
        for (Future<String> c : calls) {
          reasons.add(c.get());
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> f.delivery(delivery).getStatus()
            == DeliveryStatus.DELIVERY_STATUS_FAILED);
      }
      assertThat(reasons).contains("OK").containsOnly("OK", "DELIVERY_PENDING");
    } finally {
      callers.shutdownNow();
    }
  }
}
