package com.apindicators.webhooks.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.config.Scrape;
import com.apindicators.webhooks.server.delivery.Signer;
import com.apindicators.webhooks.v1.CreateWebhookResponse;
import com.apindicators.webhooks.v1.RotateSigningSecretRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * After RotateSigningSecret, every attempt that starts is signed with the new secret, also those of deliveries read
 * before the rotation and waiting in the sending process's memory (here behind an endpoint holding its first answers):
 * at once when the rotation went through that process, and once it learned it (about a second) when it went through
 * another. Before, those were signed with the old secret until the last was sent, and a receiver that took the new
 * secret at once refused them.
 */
class RotationSignsAtOnceTest {
  /** Events published while the endpoint holds its first answers: more than its lane starts at once. */
  private static final int EVENTS = 10;
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Receiver receiver = ext.receiver();
  private final Fixtures f = ext.fixtures();

  @Test
  void throughTheSendingProcess() throws Exception {
    rotatedWhileDeliveriesWait("/here", f, () -> {});
  }

  @Test
  void throughAnotherProcess() throws Exception {
    try (GrpcTestServer other = server.another(GrpcTestServer.LOOPBACK)) {
      double known = remembered(); // another test's rotation may still be remembered
      rotatedWhileDeliveriesWait("/there", new Fixtures(other.channel),
          () -> await().atMost(Duration.ofSeconds(10)).until(() -> remembered() > known));
    }
  }

  private double remembered() throws Exception {
    return Scrape.of(server.server.metrics()).value("webhooks_secret_rotations_remembered");
  }

  private void rotatedWhileDeliveriesWait(String path, Fixtures rotating, Runnable learned) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    receiver.on(path, n -> {
      if (n <= 4) {
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return Receiver.Answer.ok();
    });
    CreateWebhookResponse created = f.webhook("acme", receiver.url(path), "signal.buy");
    String old = created.getSigningSecret();
    for (int i = 0; i < EVENTS; i++) {
      f.publish("signal.buy", "{\"n\":" + i + "}", "acme");
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests(path).size() >= 4);
    String fresh = rotating.webhooks.rotateSigningSecret(RotateSigningSecretRequest.newBuilder()
        .setWebhookId(created.getWebhook().getWebhookId()).build()).getSigningSecret();
    learned.run();
    long rotatedNanos = System.nanoTime();
    release.countDown();
    await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests(path).size() == EVENTS);

    List<Receiver.Request> after = receiver.requests(path).stream().filter(r -> r.receivedNanos() > rotatedNanos).toList();
    assertThat(after).hasSizeGreaterThanOrEqualTo(EVENTS - 4);
    for (Receiver.Request r : after) {
      long ts = Long.parseLong(r.header("webhook-timestamp"));
      String id = r.header("webhook-id");
      assertThat(r.header("x-webhook-signature")).isEqualTo(Signer.docsSignature(fresh, r.body()));
      assertThat(r.header("webhook-signature")).isEqualTo(
          Signer.standardSignature(fresh, id, ts, r.body()) + " " + Signer.standardSignature(old, id, ts, r.body()));
    }
  }
}
