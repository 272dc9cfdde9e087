package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.v1.Delivery;
import com.apindicators.webhooks.v1.DeliveryStatus;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The delivery log commands: deliveries, delivery, redeliver. */
final class DeliveryCommands {
  private DeliveryCommands() {}

  static String status(DeliveryStatus s) {
    return s.name().substring("DELIVERY_STATUS_".length()).toLowerCase(Locale.ROOT);
  }

  static String describe(Delivery d) {
    long ms = d.getDuration().getSeconds() * 1000 + d.getDuration().getNanos() / 1_000_000;
    return d.getDeliveryId() + "  " + d.getEventType() + "  " + status(d.getStatus()) + "  "
        + (d.getResponseCode() == 0 ? "-" : Integer.toString(d.getResponseCode())) + "  " + ms + " ms  attempts "
        + d.getAttemptCount() + (d.getError().isEmpty() ? "" : "  " + d.getError());
  }

  @Command(name = "deliveries", description = "List a webhook's deliveries, newest first.", mixinStandardHelpOptions = true)
  static final class ListCmd implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--webhook", required = true) String webhook;
    @Option(names = "--status", description = "delivered, failed or pending") String status;
    @Option(names = "--limit", defaultValue = "50") int limit;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      List<DeliveryStatus> statuses = status == null ? List.of()
          : List.of(DeliveryStatus.valueOf("DELIVERY_STATUS_" + status.toUpperCase(Locale.ROOT)));
      return root.with(c -> {
        for (Delivery d : c.listDeliveries(webhook, statuses, limit)) {
          root.print(d, describe(d));
        }
      });
    }
  }

  @Command(name = "delivery", description = "Show one delivery with its response body.", mixinStandardHelpOptions = true)
  static final class Get implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--id", required = true) String id;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      return root.with(c -> {
        Delivery d = c.getDelivery(id);
        root.print(d, describe(d) + "\n" + d.getUrl() + "\nresponse body: " + d.getResponseBody());
      });
    }
  }

  @Command(name = "redeliver", description = "Send a delivery's event again as a new attempt.", mixinStandardHelpOptions = true)
  static final class Redeliver implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--id", required = true) String id;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      return root.with(c -> {
        Delivery d = c.redeliver(id);
        root.print(d, describe(d));
      });
    }
  }
}
