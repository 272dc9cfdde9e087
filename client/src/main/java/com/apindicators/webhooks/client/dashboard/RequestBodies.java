package com.apindicators.webhooks.client.dashboard;

import com.apindicators.webhooks.client.WebhooksClient;
import com.apindicators.webhooks.v1.Delivery;
import com.apindicators.webhooks.v1.DeliveryAttempt;
import com.apindicators.webhooks.v1.Event;
import com.apindicators.webhooks.v1.ListEventsRequest;
import com.apindicators.webhooks.v1.ListEventsResponse;
import com.google.gson.JsonPrimitive;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a delivery's POST carried, rebuilt from the public API: the body from the stored event (the server sends
 * {@code {"event":...,"timestamp":...,"data":...}} with the data exactly as stored) and the headers it sets.
 */
final class RequestBodies {
  /** How many of the account's newest events of the type are searched for a delivery's event. */
  static final int MAX_EVENTS_SEARCHED = 2000;
  private static final int CACHED = 256;
  private final WebhooksClient client;
  /** Events never change: their bodies are kept for the deliveries opened most recently. */
  private final Map<String, String> cache = Collections.synchronizedMap(new LinkedHashMap<>(CACHED, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > CACHED;
    }
  });

  RequestBodies(WebhooksClient client) {
    this.client = client;
  }

  /** The body as sent, or empty when the event is not among the newest {@link #MAX_EVENTS_SEARCHED} of its type. */
  Optional<String> body(Delivery d) {
    String cached = cache.get(d.getEventId());
    if (cached != null) {
      return Optional.of(cached);
    }
    String token = "";
    int searched = 0;
    do {
      ListEventsResponse page = client.listEventsPage(ListEventsRequest.newBuilder().setAccountId(d.getAccountId())
          .addEventTypes(d.getEventType()).setPageSize(500).setPageToken(token).build());
      for (Event e : page.getEventsList()) {
        if (e.getEventId().equals(d.getEventId())) {
          String body = body(e);
          cache.put(e.getEventId(), body);
          return Optional.of(body);
        }
      }
      searched += page.getEventsCount();
      token = page.getNextPageToken();
    } while (!token.isEmpty() && searched < MAX_EVENTS_SEARCHED);
    return Optional.empty();
  }

  static String body(Event e) {
    Instant t = Instant.ofEpochSecond(e.getTimestamp().getSeconds(), e.getTimestamp().getNanos());
    return "{\"event\":" + new JsonPrimitive(e.getType()) + ",\"timestamp\":"
        + new JsonPrimitive(DateTimeFormatter.ISO_INSTANT.format(t)) + ",\"data\":" + e.getDataJson() + "}";
  }

  /** The headers of the delivery's latest attempt; the signatures are computed with the secret and not shown. */
  static Map<String, String> headers(Delivery d, List<DeliveryAttempt> attempts) {
    Map<String, String> h = new LinkedHashMap<>();
    String ts = attempts.isEmpty() ? "(set when sent)"
        : Long.toString(attempts.get(attempts.size() - 1).getStartTime().getSeconds());
    h.put("Content-Type", "application/json");
    h.put("User-Agent", "APIndicators-Webhooks/1.0");
    h.put("X-Webhook-Id", d.getDeliveryId());
    h.put("X-Webhook-Event", d.getEventType());
    h.put("X-Webhook-Timestamp", ts);
    h.put("X-Webhook-Signature", "sha256=… (HMAC with your signing secret; not shown)");
    h.put("webhook-id", d.getDeliveryId());
    h.put("webhook-timestamp", ts);
    h.put("webhook-signature", "v1,… (HMAC with your signing secret; not shown)");
    return h;
  }
}
