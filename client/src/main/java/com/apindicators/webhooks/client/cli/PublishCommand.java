package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.v1.PublishEventRequest;
import com.apindicators.webhooks.v1.PublishEventResponse;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code publish}: publish an event. */
@Command(name = "publish", description = "Publish an event to the webhooks that subscribe to it.", mixinStandardHelpOptions = true)
final class PublishCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Option(names = "--type", required = true, description = "signal.buy, signal.sell, backtest.run or order.filled") String type;
  @Option(names = "--data", defaultValue = "{}",
      description = "the event data, a JSON object; delivered compacted with its key order and number text kept") String data;
  @Option(names = "--account", defaultValue = "", description = "only this account's webhooks (default: broadcast, admin key)") String account;
  @Option(names = "--idempotency-key", defaultValue = "",
      description = "publishing again with this key and the same content returns the first event") String idempotencyKey;

  @Override
  public Integer call() throws Exception {
    WebhooksCli root = WebhooksCli.root(spec);
    Struct.Builder struct = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(data, struct);
    } catch (Exception e) {
      throw new WebhooksCli.UsageException("--data is not a JSON object: " + Failures.message(e));
    }
    return root.with(c -> {
      // Sent as text, so the receiver gets these bytes compacted, with key order and big numbers intact.
      PublishEventResponse r = c.publish(PublishEventRequest.newBuilder().setType(type).setDataJson(data)
          .setAccountId(account).setIdempotencyKey(idempotencyKey).build());
      root.print(r, "published " + r.getEvent().getEventId() + " (" + type + "): " + r.getDeliveriesCreated() + " deliveries");
    });
  }
}
