package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.CreateWebhookResponse;
import com.apindicators.webhooks.v1.DisablePolicy;
import com.apindicators.webhooks.v1.EventType;
import com.apindicators.webhooks.v1.RotateSigningSecretResponse;
import com.apindicators.webhooks.v1.UpdateWebhookResponse;
import com.apindicators.webhooks.v1.Webhook;
import com.apindicators.webhooks.v1.WebhookHealth;
import com.google.protobuf.FieldMask;
import com.google.protobuf.util.Durations;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The webhook commands: create, list, get, update, delete, rotate-secret, event-types. */
final class WebhookCommands {
  private WebhookCommands() {}

  static String describe(Webhook w) {
    return w.getWebhookId() + "  " + Shown.line(w.getName()) + "  " + Shown.line(w.getUrl()) + "  "
        + String.join(",", w.getEventsList()) + (w.getEnabled() ? "" : "  (disabled"
        + (w.getDisabledReason().isEmpty() ? "" : ": " + Shown.line(w.getDisabledReason())) + ")")
        + "  secret ..." + w.getSecretHint() + policy(w.getDisablePolicy()) + health(w.getHealth());
  }

  private static String policy(DisablePolicy p) {
    return switch (p.getTriggerCase()) {
      case AFTER_CONSECUTIVE_FAILURES -> "  disable after " + p.getAfterConsecutiveFailures() + " failed in a row";
      case AFTER_FAILING_FOR -> "  disable after failing for " + period(p.getAfterFailingFor().getSeconds());
      default -> "";
    };
  }

  /** A whole number of the largest unit that divides it: 5d, 12h, 90m, 45s. */
  static String period(long seconds) {
    return seconds % 86_400 == 0 ? seconds / 86_400 + "d" : seconds % 3_600 == 0 ? seconds / 3_600 + "h"
        : seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
  }

  private static String health(WebhookHealth h) {
    if (h.getRecentAttempts() == 0) {
      return "  no attempts yet";
    }
    return String.format(java.util.Locale.ROOT, "  last %s, %.0f%% of the last %d attempts ok, p50 %d ms, p99 %d ms%s",
        h.hasLastDeliveryTime() ? DeliveryCommands.status(h.getLastDeliveryStatus()) : "-", h.getSuccessRate() * 100, h.getRecentAttempts(),
        Durations.toMillis(h.getP50Duration()), Durations.toMillis(h.getP99Duration()),
        h.getConsecutiveFailures() == 0 ? "" : ", " + h.getConsecutiveFailures() + " failed in a row");
  }

  @Command(name = "create", description = "Create a webhook; prints its signing secret once.", mixinStandardHelpOptions = true)
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--account", required = true, description = "the account that owns it") String account;
    @Option(names = "--name", required = true, description = "a label, e.g. \"Telegram Bot\"") String name;
    @Option(names = "--url", required = true, description = "the https:// endpoint that receives the POSTs") String url;
    @Option(names = "--events", required = true, split = ",", description = "e.g. signal.buy,order.filled") List<String> events;
    @Mixin PolicyOptions policy;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      policy.check();
      return root.with(c -> {
        CreateWebhookRequest.Builder req = CreateWebhookRequest.newBuilder().setAccountId(account).setName(name)
            .setUrl(url).addAllEvents(events);
        if (policy.retryGiven()) {
          req.setRetryPolicy(policy.retry(req.getRetryPolicy()));
        }
        if (policy.filterGiven()) {
          req.setFilter(policy.filter(req.getFilter()));
        }
        if (policy.disableGiven()) {
          req.setDisablePolicy(policy.disablePolicy());
        }
        CreateWebhookResponse r = c.createWebhook(req.build());
        root.print(r, describe(r.getWebhook()) + "\nsigning secret: " + r.getSigningSecret()
            + "\nCopy the signing secret now: it is shown only this once.");
        r.getWarningsList().forEach(w -> root.err.println("warning: " + w));
      });
    }
  }

  @Command(name = "list", description = "List an account's webhooks.", mixinStandardHelpOptions = true)
  static final class ListCmd implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--account", required = true, description = "the account") String account;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      return root.with(c -> {
        root.printAll("webhooks", c.listWebhooks(account), WebhookCommands::describe);
      });
    }
  }

  @Command(name = "get", description = "Show a webhook.", mixinStandardHelpOptions = true)
  static final class Get implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--webhook", required = true, description = "the webhook (wh_...)") String webhook;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      return root.with(c -> {
        Webhook w = c.getWebhook(webhook);
        root.print(w, describe(w));
      });
    }
  }

  @Command(name = "update", description = "Change a webhook's name, URL, events, enabled flag, retry policy, filter or disable policy; other"
      + " fields keep their values.", mixinStandardHelpOptions = true)
  static final class Update implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--webhook", required = true, description = "the webhook (wh_...)") String webhook;
    @Option(names = "--name", description = "a new label") String name;
    @Option(names = "--url", description = "a new endpoint URL") String url;
    @Option(names = "--events", split = ",", description = "the new event list, e.g. signal.buy,signal.sell") List<String> events;
    @Option(names = "--enabled", arity = "1", description = "true or false: pause or resume deliveries (true also clears"
        + " the reason and the failure count of an automatic disable)") Boolean enabled;
    @Mixin PolicyOptions policy;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      policy.check();
      Webhook.Builder w = Webhook.newBuilder().setWebhookId(webhook);
      FieldMask.Builder mask = FieldMask.newBuilder();
      if (name != null) {
        w.setName(name);
        mask.addPaths("name");
      }
      if (url != null) {
        w.setUrl(url);
        mask.addPaths("url");
      }
      if (events != null) {
        w.addAllEvents(events);
        mask.addPaths("events");
      }
      if (enabled != null) {
        w.setEnabled(enabled);
        mask.addPaths("enabled");
      }
      if (policy.disableGiven()) {
        w.setDisablePolicy(policy.disablePolicy());
        mask.addPaths("disable_policy");
      }
      return root.with(c -> {
        if (policy.retryGiven() || policy.filterGiven()) {
          Webhook current = c.getWebhook(webhook);
          if (policy.retryGiven()) {
            w.setRetryPolicy(policy.retry(current.getRetryPolicy()));
            mask.addPaths("retry_policy");
          }
          if (policy.filterGiven()) {
            w.setFilter(policy.filter(current.getFilter()));
            mask.addPaths("filter");
          }
        }
        UpdateWebhookResponse r = c.updateWebhook(w.build(), mask.build());
        root.print(r, describe(r.getWebhook()));
        r.getWarningsList().forEach(x -> root.err.println("warning: " + x));
      });
    }
  }

  @Command(name = "delete", description = "Delete a webhook.", mixinStandardHelpOptions = true)
  static final class Delete implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--webhook", required = true, description = "the webhook (wh_...)") String webhook;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      return root.with(c -> {
        c.deleteWebhook(webhook);
        root.print(Json.fields("webhookId", webhook, "deleted", true), "deleted " + webhook);
      });
    }
  }

  @Command(name = "rotate-secret", description = "Replace a webhook's signing secret; prints the new one once.",
      mixinStandardHelpOptions = true)
  static final class RotateSecret implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--webhook", required = true, description = "the webhook (wh_...)") String webhook;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      return root.with(c -> {
        RotateSigningSecretResponse r = c.rotateSigningSecret(webhook);
        root.print(r, "signing secret: " + r.getSigningSecret()
            + "\nCopy it now: it is shown only this once. The old secret keeps signing webhook-signature for 24 hours.");
      });
    }
  }

  @Command(name = "event-types", description = "List the event types webhooks can subscribe to.", mixinStandardHelpOptions = true)
  static final class EventTypes implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      return root.with(c -> {
        root.printAll("eventTypes", c.listEventTypes(), t -> String.format("%-14s %s", t.getName(), t.getDescription()));
      });
    }
  }
}
