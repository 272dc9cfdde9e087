package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.v1.Delivery;
import com.apindicators.webhooks.v1.DeliveryStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The delivery log commands: deliveries, delivery, redeliver. */
final class DeliveryCommands {
  private DeliveryCommands() {}

  static String status(DeliveryStatus s) {
    return EnumWords.word(s.getValueDescriptor());
  }

  /** The statuses named by a flag's words, for a request's statuses filter. */
  static List<DeliveryStatus> statuses(CommandSpec spec, String option, List<String> words) {
    List<DeliveryStatus> out = new ArrayList<>();
    for (String w : words == null ? List.<String>of() : words) {
      out.add(DeliveryStatus.valueOf(EnumWords.parse(spec, DeliveryStatus.getDescriptor(), option, w)));
    }
    return out;
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
    @Option(names = "--webhook", required = true, description = "the webhook (wh_...)") String webhook;
    @Option(names = "--status", split = ",", description = "only these statuses: pending, delivered, failed") List<String> status;
    @Option(names = "--limit", defaultValue = "50", description = "at most this many (default ${DEFAULT-VALUE})") int limit;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      List<DeliveryStatus> statuses = statuses(spec, "--status", status);
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
    @Option(names = "--id", required = true, description = "the delivery (dlv_...)") String id;

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
    @Option(names = "--id", required = true, description = "the delivery to send again (dlv_...)") String id;

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
