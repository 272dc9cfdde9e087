package com.apindicators.webhooks.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.delivery.Signer;
import com.apindicators.webhooks.v1.CreateWebhookResponse;
import com.apindicators.webhooks.v1.RotateSigningSecretRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SigningSecretsAtRestTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Receiver receiver = ext.receiver();
  private final Fixtures f = ext.fixtures();

  private List<String> everyStoredText() {
    return server.db.jdbi().withHandle(h -> h.createQuery("""
        SELECT w::text FROM webhooks w UNION ALL SELECT e::text FROM events e
        UNION ALL SELECT d::text FROM deliveries d UNION ALL SELECT c::text FROM delivery_changes c
        """).mapTo(String.class).list());
  }

  @Test
  void noSigningSecretIsStoredInPlaintext() throws Exception {
    CreateWebhookResponse created = f.webhook("acme", receiver.url("/h"), "signal.buy");
    String rotated = f.webhooks.rotateSigningSecret(RotateSigningSecretRequest.newBuilder()
        .setWebhookId(created.getWebhook().getWebhookId()).build()).getSigningSecret();
    f.publish("signal.buy", "{}", "acme");
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/h").size() == 1);
    for (String secret : List.of(created.getSigningSecret(), rotated)) {
      String key = secret.substring("whsec_".length());
      assertThat(everyStoredText()).noneMatch(t -> t.contains(key) || t.contains(key.substring(0, 16)));
    }
    String stored = server.db.jdbi().withHandle(h -> h.createQuery("SELECT signing_secret FROM webhooks").mapTo(String.class).one());
    assertThat(stored).startsWith("v1:" + server.secrets.currentKeyId() + ":");
  }

  @Test
  void afterRotationTheOldSecretSignsBesideTheNewOneForADay() throws Exception {
    CreateWebhookResponse created = f.webhook("acme", receiver.url("/h"), "signal.buy");
    String id = created.getWebhook().getWebhookId();
    String old = created.getSigningSecret();
    String fresh = f.webhooks.rotateSigningSecret(RotateSigningSecretRequest.newBuilder().setWebhookId(id).build())
        .getSigningSecret();
    f.publish("signal.buy", "{\"n\":1}", "acme");
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/h").size() == 1);
    Receiver.Request r = receiver.requests("/h").get(0);
    long ts = Long.parseLong(r.header("webhook-timestamp"));
    String msgId = r.header("webhook-id");
    assertThat(r.header("x-webhook-signature")).isEqualTo(Signer.docsSignature(fresh, r.body()));
    assertThat(r.header("webhook-signature")).isEqualTo(
        Signer.standardSignature(fresh, msgId, ts, r.body()) + " " + Signer.standardSignature(old, msgId, ts, r.body()));

    server.db.jdbi().useHandle(h -> h.execute("UPDATE webhooks SET previous_secret_expire_time = now() - interval '1 second'"));
    f.publish("signal.buy", "{\"n\":2}", "acme");
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/h").size() == 2);
    Receiver.Request later = receiver.requests("/h").get(1);
    assertThat(later.header("webhook-signature")).isEqualTo(Signer.standardSignature(fresh, later.header("webhook-id"),
        Long.parseLong(later.header("webhook-timestamp")), later.body()));
  }
}
