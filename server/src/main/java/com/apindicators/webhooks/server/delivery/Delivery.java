package com.apindicators.webhooks.server.delivery;

import java.time.Instant;

/** One event sent to one webhook, with the outcome of its latest attempt; times may be null. */
public record Delivery(
    long seq,
    String deliveryId,
    String webhookId,
    String accountId,
    String eventId,
    String eventType,
    String url,
    DeliveryStatus status,
    int responseCode,
    String responseBody,
    String error,
    int attemptCount,
    long durationMs,
    Instant createTime,
    Instant completeTime,
    Instant nextAttemptTime) {}
