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

  private static final java.util.Map<String, String> ENDPOINTS = new java.util.concurrent.ConcurrentHashMap<>();

  /** The endpoint this job is sent to, for per-endpoint concurrency: scheme, host and port. */
  public String endpoint() {
    if (ENDPOINTS.size() > 100_000) {
      ENDPOINTS.clear();
    }
    return ENDPOINTS.computeIfAbsent(url, DeliveryJob::endpointOf);
  }

  private static String endpointOf(String url) {
    try {
      java.net.URI u = java.net.URI.create(url);
      int port = u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
      return u.getScheme().toLowerCase() + "://" + String.valueOf(u.getHost()).toLowerCase() + ":" + port;
    } catch (IllegalArgumentException e) {
      return url;
    }
  }
}
