package com.apindicators.webhooks.server.events;

import java.time.Instant;
import java.util.List;

/**
 * A validated event to publish.
 *
 * @param data the data object: the JSON delivered, its canonical form, and the fields webhook filters read
 * @param accountId the only account whose webhooks get it, or null for every account's
 * @param timestamp when it happened, or null for now
 * @param idempotencyKey a key that makes retries safe within the account (or within broadcasts), or null
 * @param webhookIds only these webhooks of the account (their filters do not apply), or empty for every matching one
 */
public record NewEvent(String type, EventJson.Data data, String accountId, Instant timestamp, String idempotencyKey,
    List<String> webhookIds) {

  /** An event to every matching webhook of its scope. */
  public NewEvent(String type, EventJson.Data data, String accountId, Instant timestamp, String idempotencyKey) {
    this(type, data, accountId, timestamp, idempotencyKey, List.of());
  }
}
