package com.apindicators.webhooks.server.registry;

import java.util.LinkedHashMap;
import java.util.Map;

/** The event types a webhook can subscribe to, as our public docs list them. */
public final class EventCatalog {
  private static final Map<String, String> TYPES = new LinkedHashMap<>();

  static {
    TYPES.put("signal.buy", "Fired when the ML model generates a BUY signal that passes the production threshold.");
    TYPES.put("signal.sell", "Fired when the ML model generates a SELL signal that passes the production threshold.");
    TYPES.put("backtest.run", "Fired when a strategy backtest completes.");
    TYPES.put("order.filled", "Fired when a simulated position is filled (take profit or stop loss hit).");
  }

  private EventCatalog() {}

  /** Every event type with its description, in catalog order. */
  public static Map<String, String> all() {
    return java.util.Collections.unmodifiableMap(TYPES);
  }

  /** Whether the name is an event type of the catalog. */
  public static boolean contains(String name) {
    return TYPES.containsKey(name);
  }

  /** Whether webhook filters (pairs, intervals, min score) apply to events of this type. */
  public static boolean isSignal(String name) {
    return name.startsWith("signal.");
  }
}
