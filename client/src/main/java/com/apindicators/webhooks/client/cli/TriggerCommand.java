package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.v1.PublishEventRequest;
import com.apindicators.webhooks.v1.PublishEventResponse;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code trigger TYPE}: publishes a sample event of a type, the docs' payload where the docs show one. */
@Command(name = "trigger", description = "Publish a sample event of a type (signal.buy is the docs' example payload).",
    mixinStandardHelpOptions = true)
final class TriggerCommand implements Callable<Integer> {
  /** The sample data per event type; signal.buy is exactly the public docs' example. */
  static final Map<String, String> SAMPLES = new TreeMap<>(Map.of(
      "signal.buy", "{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"score\":0.87,\"market_type\":\"trending\",\"interval\":\"1h\"}",
      "signal.sell", "{\"pair\":\"ETHUSDT\",\"side\":\"sell\",\"score\":0.81,\"market_type\":\"ranging\",\"interval\":\"4h\"}",
      "backtest.run", "{\"strategy\":\"trend-follow-v2\",\"pair\":\"BTCUSDT\",\"interval\":\"1h\",\"trades\":142,"
          + "\"win_rate\":0.58,\"total_return\":0.234,\"max_drawdown\":0.087}",
      "order.filled", "{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"entry_price\":67250.5,\"exit_price\":68595.51,"
          + "\"outcome\":\"take_profit\",\"pnl_pct\":2.0,\"interval\":\"1h\"}"));

  @Spec CommandSpec spec;
  @Parameters(index = "0", paramLabel = "TYPE", description = "signal.buy, signal.sell, backtest.run or order.filled") String type;
  @Option(names = "--account", defaultValue = "", description = "only this account's webhooks (default: broadcast, admin key)")
  String account;

  @Override
  public Integer call() throws Exception {
    WebhooksCli root = WebhooksCli.root(spec);
    String data = SAMPLES.get(type);
    if (data == null) {
      throw new WebhooksCli.UsageException("no sample for event type '" + type + "'; samples exist for "
          + String.join(", ", SAMPLES.keySet()) + " (use publish --type " + type + " --data ... for others)");
    }
    return root.with(c -> {
      // As text: the receiver gets the sample's bytes exactly (2.0 stays 2.0).
      PublishEventResponse r = c.publish(PublishEventRequest.newBuilder().setType(type).setDataJson(data).setAccountId(account)
          .build());
      root.print(r, "triggered " + r.getEvent().getEventId() + " (" + type + "): " + r.getDeliveriesCreated()
          + " deliveries\ndata: " + data);
    });
  }
}
