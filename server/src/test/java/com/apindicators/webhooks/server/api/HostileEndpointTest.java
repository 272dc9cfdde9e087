package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.RawReceiver;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.delivery.HttpSender;
import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.Delivery;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.RetryPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An endpoint answering malformed or hostile bytes ends its own deliveries failed and loses no one else's results. */
class HostileEndpointTest {
  private static final int EVENTS = 20;
  private static final int HEALTHY = 8;

  @Test
  void nulAndInvalidUtf8AnswersFailCleanlyWhileEveryOtherAccountsDeliveriesAreRecorded() throws Exception {
    try (GrpcTestServer server = GrpcTestServer.start(); Receiver healthy = new Receiver();
        // The chunk header "1\0" + "2": the parser's error message carries the NUL.
        RawReceiver badChunk = RawReceiver.answering(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\u00002\r\nx\r\n0\r\n\r\n");
        RawReceiver badBytes = RawReceiver.answering("HTTP/1.1 500 Bad\u0000\u00ff\u00c3 reason\r\n"
            + "X-Junk: \u0000\u00fe\r\nContent-Length: 8\r\nConnection: close\r\n\r\nab\u0000\u00ff\u00c3cde");
        RawReceiver badRedirect = RawReceiver.answering("HTTP/1.1 302 Found\r\n"
            + "Location: http://elsewhere/\u0000\u00ff\u00c3" + "x".repeat(5000) + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")) {
      Fixtures f = new Fixtures(server.channel);
      List<String> poison = List.of(
          f.webhook("evil-1", badChunk.url("/chunk"), "signal.buy").getWebhook().getWebhookId(),
          f.webhook("evil-2", badBytes.url("/bytes"), "signal.buy").getWebhook().getWebhookId(),
          f.webhook("evil-3", badRedirect.url("/redirect"), "signal.buy").getWebhook().getWebhookId());
      List<String> good = new ArrayList<>();
      for (int i = 0; i < HEALTHY; i++) {
        good.add(f.webhook("good-" + i, healthy.url("/ok/" + i), "signal.buy").getWebhook().getWebhookId());
      }
      for (int i = 0; i < EVENTS; i++) {
        f.publish("signal.buy", "{\"n\":" + i + "}", "");
      }

      await().atMost(Duration.ofSeconds(30)).until(
          () -> TestDatabase.count("SELECT count(*) FROM deliveries WHERE status <> 'PENDING'") == EVENTS * (HEALTHY + 3));
      for (String w : good) {
        assertThat(f.deliveriesOf(w)).hasSize(EVENTS)
            .allSatisfy(d -> assertThat(d.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_DELIVERED));
      }
      for (String w : poison) {
        assertThat(f.deliveriesOf(w)).hasSize(EVENTS).allSatisfy(d -> {
          assertThat(d.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_FAILED);
          assertThat(d.getError()).isNotBlank().doesNotContain("\u0000").hasSizeLessThanOrEqualTo(1024);
          assertThat(d.getResponseBody()).doesNotContain("\u0000");
        });
      }
      Delivery chunk = f.deliveriesOf(poison.get(0)).get(0);
      assertThat(chunk.getError()).startsWith("Request failed:");
      Delivery bytes = f.deliveriesOf(poison.get(1)).get(0);
      assertThat(bytes.getResponseCode()).isEqualTo(500);
      assertThat(bytes.getResponseBody()).isEqualTo("ab\uFFFD\uFFFD\uFFFDcde");
      Delivery redirect = f.deliveriesOf(poison.get(2)).get(0);
      assertThat(redirect.getError()).startsWith("Endpoint answered HTTP 302");
      assertThat(TestDatabase.count("SELECT count(*) FROM delivery_attempt_log")).isEqualTo(EVENTS * (HEALTHY + 3));
    }
  }

  @Test
  void aGzipAnswerWhoseHeaderNeverEndsIsKeptAsSentAndFreezesNoOne() throws Exception {
    // A gzip header announcing a file name (flag 08) whose bytes never end: inflating it copied the whole header
    // again for every byte read, on an I/O thread, beyond the reach of the attempt's deadline.
    byte[] head = ("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + (10 + (1 << 20))
        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    byte[] gzipHeader = {0x1f, (byte) 0x8b, 8, 8, 0, 0, 0, 0, 0, (byte) 0xff};
    byte[] answer = new byte[head.length + gzipHeader.length + (1 << 20)];
    System.arraycopy(head, 0, answer, 0, head.length);
    System.arraycopy(gzipHeader, 0, answer, head.length, gzipHeader.length);
    java.util.Arrays.fill(answer, head.length + gzipHeader.length, answer.length, (byte) 'a');
    try (GrpcTestServer server = GrpcTestServer.start(); Receiver healthy = new Receiver();
        RawReceiver bomb = new RawReceiver(answer)) {
      Fixtures f = new Fixtures(server.channel);
      String evil = f.webhook("evil", bomb.url("/gz"), "signal.buy").getWebhook().getWebhookId();
      String good = f.webhook("good", healthy.url("/ok"), "signal.buy").getWebhook().getWebhookId();
      for (int i = 0; i < 4; i++) {
        f.publish("signal.buy", "{}", "");
      }
      await().atMost(Duration.ofSeconds(30)).until(
          () -> TestDatabase.count("SELECT count(*) FROM deliveries WHERE status <> 'PENDING'") == 8);
      assertThat(f.deliveriesOf(good)).allSatisfy(
          d -> assertThat(d.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_DELIVERED));
      assertThat(f.deliveriesOf(evil)).hasSize(4).allSatisfy(d -> {
        assertThat(d.getResponseCode()).isEqualTo(200);
        assertThat(d.getResponseBody()).as("kept as sent, not inflated").contains("aaaa");
      });
      assertThat(healthy.requests("/ok")).allSatisfy(r -> assertThat(r.header("accept-encoding")).isNull());
    }
  }

  @Test
  void aResponseBodyCutAtTheCapEndsOnACharacterBoundary() throws Exception {
    try (GrpcTestServer server = GrpcTestServer.start(); Receiver receiver = new Receiver()) {
      // 3-byte characters: 16 KiB is not a multiple of 3, so a byte cut would split the last one.
      receiver.on("/euro", n -> Answer.status(200, "\u20ac".repeat(10_000)));
      Fixtures f = new Fixtures(server.channel);
      String w = f.webhook("acme", receiver.url("/euro"), "signal.sell").getWebhook().getWebhookId();
      f.publish("signal.sell", "{}", "acme");
      await().atMost(Duration.ofSeconds(10)).until(() -> !f.deliveriesOf(w).isEmpty()
          && f.deliveriesOf(w).get(0).getStatus() == DeliveryStatus.DELIVERY_STATUS_DELIVERED);
      String body = f.deliveriesOf(w).get(0).getResponseBody();
      assertThat(body).hasSize(HttpSender.MAX_RESPONSE_BODY_BYTES / 3);
      assertThat(body.replace("\u20ac", "")).as("anything but whole euro signs").isEmpty();
      assertThat(body.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(HttpSender.MAX_RESPONSE_BODY_BYTES);
    }
  }

  @Test
  void aRetryAfterBeyondAnyTimeIsCappedAndTheDeliveryCarriesOn() throws Exception {
    try (GrpcTestServer server = GrpcTestServer.start(); Receiver receiver = new Receiver()) {
      receiver.on("/forever", n -> n == 1
          ? new Answer(503, "later", Map.of("Retry-After", Long.toString(Long.MAX_VALUE)), 0) : Answer.ok());
      Fixtures f = new Fixtures(server.channel);
      String w = f.webhook(CreateWebhookRequest.newBuilder().setAccountId("acme").setName("forever")
          .setUrl(receiver.url("/forever")).addEvents("signal.buy").setRetryPolicy(RetryPolicy.newBuilder()
              .setMaxAttempts(2).setInitialBackoff(com.google.protobuf.Duration.newBuilder().setNanos(100_000_000))
              .setMaxBackoff(com.google.protobuf.Duration.newBuilder().setSeconds(1)))).getWebhook().getWebhookId();
      f.publish("signal.buy", "{}", "acme");
      await().atMost(Duration.ofSeconds(15)).until(() -> !f.deliveriesOf(w).isEmpty()
          && f.deliveriesOf(w).get(0).getStatus() == DeliveryStatus.DELIVERY_STATUS_DELIVERED);
      assertThat(f.deliveriesOf(w).get(0).getAttemptCount()).isEqualTo(2);
    }
  }
}
