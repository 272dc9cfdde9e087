package com.apindicators.webhooks.server.events;

import java.time.Instant;

/**
 * A validated event to publish.
 *
 * @param accountId the only account whose webhooks get it, or null for every account's
 * @param timestamp when it happened, or null for now
 * @param idempotencyKey a key that makes retries safe, or null
 * @param pair data.pair when it is a string, for webhook filters, or null
 * @param interval data.interval when it is a string, or null
 * @param score data.score when it is a number, or null
 */
public record NewEvent(
    String type, String dataJson, String accountId, Instant timestamp, String idempotencyKey,
    String pair, String interval, Double score) {}
