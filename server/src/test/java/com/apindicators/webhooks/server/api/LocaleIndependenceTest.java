package com.apindicators.webhooks.server.api;

import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.v1.GetDeliveryRequest;
import com.apindicators.webhooks.v1.GetWebhookRequest;
import com.apindicators.webhooks.v1.PublishEventRequest;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Error reasons are a contract clients match on, whatever the server's locale. In Turkish, "delivery".toUpperCase()
 * is "DELİVERY" (a dotted capital I), so a server started in a Turkish locale answered DELİVERY_NOT_FOUND.
 */
class LocaleIndependenceTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final Fixtures f = ext.fixtures();
  private final Locale before = Locale.getDefault();

  @BeforeEach
  void inTurkish() {
    Locale.setDefault(Locale.forLanguageTag("tr-TR"));
  }

  @AfterEach
  void backToTheLocaleBefore() {
    Locale.setDefault(before);
  }

  @Test
  void errorReasonsAndMessagesAreTheSameInATurkishLocale() {
    assertThat(failing(() -> f.deliveries.getDelivery(GetDeliveryRequest.newBuilder()
        .setDeliveryId("dlv_missing").build())).reason()).isEqualTo("DELIVERY_NOT_FOUND");
    assertThat(failing(() -> f.webhooks.getWebhook(GetWebhookRequest.newBuilder()
        .setWebhookId("wh_missing").build())).reason()).isEqualTo("WEBHOOK_NOT_FOUND");
    assertThat(failing(() -> f.events.publishEvent(PublishEventRequest.newBuilder().setType("signal.buy")
        .setAccountId("acme").setDataJson("[1]").build())).message()).contains("not begin_array");
  }
}
