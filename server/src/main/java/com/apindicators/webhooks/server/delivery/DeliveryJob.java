package com.apindicators.webhooks.server.delivery;

import java.time.Instant;

/**
 * One attempt to make: a leased delivery with everything needed to send it. The secrets are as stored
 * (encrypted); the previous one is set during the 24 hours after a rotation.
 *
 * @param attempt the number of this attempt, from 1
 * @param secretsAsOf which rotation the secrets were read after: its stamp, the previous secret's expiry (the epoch
 *     for a webhook never rotated); null when not known. A rotation with a later stamp replaced them
 *     ({@link RotatedSecrets}).
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
    long retryMaxMs,
    Instant secretsAsOf) {

  /** A job whose secrets' rotation is not known. */
  public DeliveryJob(String deliveryId, String webhookId, String accountId, String url, String signingSecret,
      String previousSigningSecret, String eventType, Instant eventTime, String dataJson, int attempt, int maxAttempts,
      long retryInitialMs, long retryMaxMs) {
    this(deliveryId, webhookId, accountId, url, signingSecret, previousSigningSecret, eventType, eventTime, dataJson,
        attempt, maxAttempts, retryInitialMs, retryMaxMs, null);
  }

  /** This job with its event's data. */
  public DeliveryJob withDataJson(String data) {
    return new DeliveryJob(deliveryId, webhookId, accountId, url, signingSecret, previousSigningSecret, eventType,
        eventTime, data, attempt, maxAttempts, retryInitialMs, retryMaxMs, secretsAsOf);
  }

  /** This job with other secrets (sealed): its webhook's as of the rotation stamped {@code asOf}. */
  public DeliveryJob withSecrets(String signing, String previousSigning, Instant asOf) {
    return new DeliveryJob(deliveryId, webhookId, accountId, url, signing, previousSigning, eventType,
        eventTime, dataJson, attempt, maxAttempts, retryInitialMs, retryMaxMs, asOf);
  }
}
