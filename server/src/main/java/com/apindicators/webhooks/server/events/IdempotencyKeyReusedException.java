package com.apindicators.webhooks.server.events;

/** The idempotency key was used before for an event with different content. */
public final class IdempotencyKeyReusedException extends Exception {
  public IdempotencyKeyReusedException(String key, String eventId) {
    super("The idempotency key '" + key + "' was already used for event " + eventId
        + " with different content; use a new key for a different event, or resend the original request unchanged.");
  }
}
