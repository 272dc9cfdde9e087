package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.v1.Delivery;
import com.apindicators.webhooks.v1.DeliveryAttempt;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.ListDeliveriesRequest;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import java.text.ParseException;
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
        + d.getAttemptCount() + (d.getError().isEmpty() ? "" : "  " + Shown.line(d.getError()));
  }

  @Command(name = "deliveries", description = "List a webhook's or an account's deliveries, newest first.",
      mixinStandardHelpOptions = true)
  static final class ListCmd implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--webhook", description = "only this webhook's (wh_...); without it, the account's") String webhook;
    @Option(names = "--account", defaultValue = "",
        description = "the account, when no --webhook is given (default: an account key's own)") String account;
    @Option(names = "--status", split = ",", description = "only these statuses: pending, delivered, failed") List<String> status;
    @Option(names = "--event-type", split = ",", description = "only these event types, e.g. signal.buy") List<String> eventTypes;
    @Option(names = "--since", description = "only those created at or after this time (RFC 3339, e.g. 2026-04-03T14:30:00Z)")
    String since;
    @Option(names = "--until", description = "only those created before this time (RFC 3339)") String until;
    @Option(names = "--limit", defaultValue = "50", description = "at most this many (default ${DEFAULT-VALUE})") int limit;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      WebhooksCli.requireLimit(limit);
      ListDeliveriesRequest.Builder r = ListDeliveriesRequest.newBuilder()
          .addAllStatuses(statuses(spec, "--status", status))
          .addAllEventTypes(eventTypes == null ? List.of() : eventTypes);
      if (webhook != null) {
        if (!account.isEmpty()) {
          throw new WebhooksCli.UsageException("give --webhook or --account, not both (a webhook names its account)");
        }
        r.setWebhookId(webhook);
      } else {
        r.setAccountId(account);
      }
      if (since != null) {
        r.setCreateTimeStart(time("--since", since));
      }
      if (until != null) {
        r.setCreateTimeEnd(time("--until", until));
      }
      return root.with(c -> {
        root.printAll("deliveries", c.listDeliveries(r.build(), limit), DeliveryCommands::describe);
      });
    }

    private static Timestamp time(String option, String text) {
      try {
        return Timestamps.parse(text);
      } catch (ParseException e) {
        throw new WebhooksCli.UsageException(option + " is not an RFC 3339 time such as 2026-04-03T14:30:00Z: " + text);
      }
    }
  }

  @Command(name = "delivery", description = "Show one delivery with its response body, and with --attempts every attempt.",
      mixinStandardHelpOptions = true)
  static final class Get implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--id", required = true, description = "the delivery (dlv_...)") String id;
    @Option(names = "--attempts", description = "also list every attempt: time, response code, duration, error, body;"
        + " as JSON {\"delivery\":...,\"attempts\":[...]}") boolean attempts;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      return root.with(c -> {
        Delivery d = c.getDelivery(id);
        String text = describe(d) + "\n" + Shown.line(d.getUrl()) + "\nresponse body: "
            + Shown.text(d.getResponseBody());
        if (!attempts) {
          root.print(d, text);
          return;
        }
        List<DeliveryAttempt> all = c.listDeliveryAttempts(id);
        StringBuilder b = new StringBuilder(text);
        for (DeliveryAttempt a : all) {
          long ms = a.getDuration().getSeconds() * 1000 + a.getDuration().getNanos() / 1_000_000;
          b.append("\n  #").append(a.getAttempt()).append("  ").append(Timestamps.toString(a.getStartTime())).append("  ")
              .append(a.getResponseCode() == 0 ? "-" : Integer.toString(a.getResponseCode())).append("  ").append(ms)
              .append(" ms").append(a.getError().isEmpty() ? "" : "  " + Shown.line(a.getError()))
              .append(a.getResponseBody().isEmpty() ? "" : "  body: " + Shown.line(a.getResponseBody()));
        }
        root.print(Json.fields("delivery", d, "attempts", all), b.toString());
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
