package com.apindicators.webhooks.server.delivery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;

/**
 * Folds a batch of recorded outcomes into each webhook's health row (one statement per batch) and applies the
 * webhooks' disable policies. Runs inside the result writer's transaction, so the figures move with the log.
 */
final class EndpointHealth {
  private EndpointHealth() {}

  /** One webhook's share of a batch: how its run of failures moves on, and its last failed delivery. */
  private static final class Run {
    int failures;
    boolean reset;
    String lastStatus;
    String lastError = "";
    String lastFailedDelivery;
  }

  /**
   * Records the outcomes whose deliveries were written (in batch order); returns, for each webhook this disabled,
   * its last failed delivery of the batch and the reason, so that delivery's change can carry the notice.
   */
  static Map<String, String> record(Handle h, List<Outcome> batch, Set<String> written) {
    List<String> attemptWebhooks = new ArrayList<>();
    List<Boolean> oks = new ArrayList<>();
    List<Integer> ms = new ArrayList<>();
    // Sorted by webhook id: the statement locks the health rows in this order.
    Map<String, Run> runs = new TreeMap<>();
    for (Outcome o : batch) {
      if (!written.contains(o.job().deliveryId())) {
        continue;
      }
      String webhook = o.job().webhookId();
      attemptWebhooks.add(webhook);
      oks.add(o.result().delivered());
      ms.add((int) Math.min(Integer.MAX_VALUE, o.result().duration().toMillis()));
      Run run = runs.computeIfAbsent(webhook, w -> new Run());
      if (o.status() == DeliveryStatus.DELIVERED) {
        run.reset = true;
        run.failures = 0;
        run.lastStatus = o.status().name();
      } else if (o.status() == DeliveryStatus.FAILED) {
        run.failures++;
        run.lastStatus = o.status().name();
        run.lastError = o.result().error();
        run.lastFailedDelivery = o.job().deliveryId();
      }
    }
    if (runs.isEmpty()) {
      return Map.of();
    }
    int n = runs.size();
    Integer[] failures = new Integer[n];
    Boolean[] resets = new Boolean[n];
    String[] lastStatuses = new String[n];
    String[] lastErrors = new String[n];
    int i = 0;
    for (Run run : runs.values()) {
      failures[i] = run.failures;
      resets[i] = run.reset;
      lastStatuses[i] = run.lastStatus;
      lastErrors[i] = run.lastError;
      i++;
    }
    List<HealthDao.Disabled> disabled = HealthDao.record(h, attemptWebhooks.toArray(String[]::new),
        oks.toArray(Boolean[]::new), ms.toArray(Integer[]::new), runs.keySet().toArray(String[]::new), failures,
        resets, lastStatuses, lastErrors);
    Map<String, String> notices = new HashMap<>();
    for (HealthDao.Disabled d : disabled) {
      notices.put(runs.get(d.webhookId()).lastFailedDelivery, d.disabledReason());
    }
    return notices;
  }
}
