package com.apindicators.webhooks.server.delivery;

import java.time.Instant;

/**
 * One attempt to make: a leased delivery with everything needed to send it. The secrets are as stored
 * (encrypted); the previous one is set during the 24 hours after a rotation.
 *
 * @param attempt the number of this attempt, from 1
 */
public record DeliveryJob(
    String deliveryId,
    String webhookId,
    String accountId,
    String url,
    String signingSecret,
    String previousSigningSecret,
    String eventType,
    Instant eventTime,
    String dataJson,
    int attempt,
    int maxAttempts,
    long retryInitialMs,
    long retryMaxMs) {

  /** This job with its event's data. */
  public DeliveryJob withDataJson(String data) {
    return new DeliveryJob(deliveryId, webhookId, accountId, url, signingSecret, previousSigningSecret, eventType,
        eventTime, data, attempt, maxAttempts, retryInitialMs, retryMaxMs);
  }

  /** This job with other secrets (sealed): its webhook's, after a rotation it was read before. */
  public DeliveryJob withSecrets(String signing, String previousSigning) {
    return new DeliveryJob(deliveryId, webhookId, accountId, url, signing, previousSigning, eventType,
        eventTime, dataJson, attempt, maxAttempts, retryInitialMs, retryMaxMs);
  }
}
