package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.v1.Delivery;
import com.google.protobuf.util.Timestamps;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code events list|resend}: stored events. */
@Command(name = "events", description = "List stored events or send one again.", mixinStandardHelpOptions = true,
    subcommands = {EventCommands.ListCmd.class, EventCommands.Resend.class})
final class EventCommands {
  @Command(name = "list", description = "List an account's events, newest first.", mixinStandardHelpOptions = true)
  static final class ListCmd implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--account", defaultValue = "", description = "the account (default: an account key's own)") String account;
    @Option(names = "--type", split = ",", description = "only these event types, e.g. signal.buy") List<String> types;
    @Option(names = "--limit", defaultValue = "50", description = "at most this many (default ${DEFAULT-VALUE})") int limit;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      WebhooksCli.requireLimit(limit);
      return root.with(c -> {
        root.printAll("events", c.listEvents(account, types == null ? List.of() : types, limit),
            e -> e.getEventId() + "  " + e.getType() + "  " + Timestamps.toString(e.getTimestamp()) + "  "
                + Shown.line(e.getDataJson()));
      });
    }
  }

  @Command(name = "resend", description = "Send a stored event again as new deliveries.", mixinStandardHelpOptions = true)
  static final class Resend implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--event", required = true, description = "the event (evt_...)") String event;
    @Option(names = "--webhook", split = ",",
        description = "only to these webhooks (wh_...; default: every enabled webhook subscribed to it)") List<String> webhooks;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      return root.with(c -> {
        List<Delivery> made = c.resendEvent(event, webhooks == null ? List.of() : webhooks);
        StringBuilder text = new StringBuilder("resent " + event + ": " + made.size() + " deliveries");
        made.forEach(d -> text.append("\n").append(DeliveryCommands.describe(d)));
        root.print(Json.fields("eventId", event, "deliveries", made), text.toString());
      });
    }
  }
}
