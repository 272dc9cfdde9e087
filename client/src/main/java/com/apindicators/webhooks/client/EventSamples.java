package com.apindicators.webhooks.client;

import java.util.Map;
import java.util.TreeMap;

/** A sample data object per event type of the catalog; signal.buy is exactly the public docs' example. */
public final class EventSamples {
  /** The sample data (JSON object text) per event type. */
  public static final Map<String, String> DATA = new TreeMap<>(Map.of(
      "signal.buy", "{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"score\":0.87,\"market_type\":\"trending\",\"interval\":\"1h\"}",
      "signal.sell", "{\"pair\":\"ETHUSDT\",\"side\":\"sell\",\"score\":0.81,\"market_type\":\"ranging\",\"interval\":\"4h\"}",
      "backtest.run", "{\"strategy\":\"trend-follow-v2\",\"pair\":\"BTCUSDT\",\"interval\":\"1h\",\"trades\":142,"
          + "\"win_rate\":0.58,\"total_return\":0.234,\"max_drawdown\":0.087}",
      "order.filled", "{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"entry_price\":67250.5,\"exit_price\":68595.51,"
          + "\"outcome\":\"take_profit\",\"pnl_pct\":2.0,\"interval\":\"1h\"}"));

  private EventSamples() {}
}
