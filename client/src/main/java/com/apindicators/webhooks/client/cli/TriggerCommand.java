package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.client.EventSamples;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.apindicators.webhooks.v1.PublishEventResponse;
import java.util.List;
import java.util.Map;
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
  static final Map<String, String> SAMPLES = EventSamples.DATA;

  @Spec CommandSpec spec;
  @Parameters(index = "0", paramLabel = "TYPE", description = "signal.buy, signal.sell, backtest.run or order.filled") String type;
  @Option(names = "--account", defaultValue = "", description = "only this account's webhooks (default: broadcast, admin key)")
  String account;
  @Option(names = "--webhook", split = ",", description = "only these webhooks of --account, e.g. one to test (wh_...)")
  List<String> webhooks;

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
          .addAllWebhookIds(webhooks == null ? List.of() : webhooks).build());
      root.print(r, "triggered " + r.getEvent().getEventId() + " (" + type + "): " + r.getDeliveriesCreated()
          + " deliveries\ndata: " + data);
    });
  }
}
