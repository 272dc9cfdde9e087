package com.apindicators.webhooks.server.stream;

import com.apindicators.webhooks.server.delivery.Delivery;
import com.apindicators.webhooks.server.delivery.DeliveryStatus;
import java.util.Set;

/**
 * Which changes a watcher wants; null account and empty sets narrow nothing.
 */
public record WatchFilter(String accountId, Set<String> webhookIds, Set<String> eventTypes, Set<DeliveryStatus> statuses) {

  public boolean matches(Delivery d) {
    return (accountId == null || accountId.equals(d.accountId()))
        && (webhookIds.isEmpty() || webhookIds.contains(d.webhookId()))
        && (eventTypes.isEmpty() || eventTypes.contains(d.eventType()))
        && (statuses.isEmpty() || statuses.contains(d.status()));
  }

  String[] webhookIdArray() {
    return webhookIds.toArray(String[]::new);
  }

  String[] eventTypeArray() {
    return eventTypes.toArray(String[]::new);
  }

  String[] statusArray() {
    return statuses.stream().map(Enum::name).toArray(String[]::new);
  }
}
