package com.apindicators.webhooks.server.delivery;

import java.time.Instant;

/**
 * One state change of a delivery: its position in the change log and the delivery as it was then.
 *
 * @param webhookDisabled set when this change made its webhook's disable policy disable the webhook, else null
 */
public record DeliveryChange(long changeId, Delivery delivery, WebhookDisabled webhookDisabled) {
  /** A webhook disabled by its disable policy: why and when. */
  public record WebhookDisabled(String reason, Instant time) {}
}
