package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.client.Watch;
import com.apindicators.webhooks.client.WebhooksClient;
import com.apindicators.webhooks.v1.Delivery;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code watch}: deliveries live, one line each, resuming after disconnects. */
@Command(name = "watch", description = "Watch deliveries live; resumes after disconnects. Ctrl-C to stop.",
    mixinStandardHelpOptions = true)
final class WatchCommand implements Callable<Integer> {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
  @Spec CommandSpec spec;
  @Option(names = "--account", defaultValue = "", description = "only this account's deliveries (required with an account key)")
  String account;
  @Option(names = "--webhook", split = ",", description = "only these webhooks (wh_...)") List<String> webhooks;
  @Option(names = "--event-type", split = ",", description = "only these event types, e.g. signal.buy") List<String> eventTypes;
  @Option(names = "--status", split = ",", description = "only these statuses: pending, delivered, failed") List<String> statuses;
  @Option(names = "--resume-token", defaultValue = "", description = "continue after the update with this token (from --output json)")
  String resumeToken;
  @Option(names = "--json", hidden = true, description = "same as --output json") boolean json;
  @Option(names = "--count", defaultValue = "0", description = "stop after this many updates (0 = no limit)") long count;
  @Option(names = "--seconds", defaultValue = "0", description = "stop after this many seconds (0 = until Ctrl-C)") long seconds;

  @Override
  public Integer call() throws Exception {
    WebhooksCli root = WebhooksCli.root(spec);
    boolean asJson = json || root.json();
    boolean color = System.console() != null && !asJson;
    WatchDeliveriesRequest.Builder r = WatchDeliveriesRequest.newBuilder().setAccountId(account).setResumeToken(resumeToken)
        .addAllStatuses(DeliveryCommands.statuses(spec, "--status", statuses));
    if (webhooks != null) {
      r.addAllWebhookIds(webhooks);
    }
    if (eventTypes != null) {
      r.addAllEventTypes(eventTypes);
    }
    CountDownLatch failed = new CountDownLatch(1);
    AtomicLong printed = new AtomicLong();
    AtomicReference<Throwable> error = new AtomicReference<>();
    try (WebhooksClient c = root.client()) {
      c.listEventTypes(); // fails fast (exit 1) when the server is unreachable or the key is wrong; the watch would retry
      try (Watch w = c.watch(r.build(), u -> {
        synchronized (root) {
          root.out.println(asJson ? Json.of(u) : line(u.getDelivery(), color) + (u.hasWebhookDisabled()
              ? "\n  webhook " + u.getWebhookDisabled().getWebhookId() + " disabled: "
                  + Shown.line(u.getWebhookDisabled().getDisabledReason()) : ""));
          root.out.flush();
        }
        if (count > 0 && printed.incrementAndGet() >= count) {
          failed.countDown();
        }
      }, t -> {
        error.set(t);
        failed.countDown();
      })) {
        if (seconds > 0) {
          failed.await(seconds, TimeUnit.SECONDS);
        } else {
          failed.await();
        }
      }
    }
    if (error.get() instanceof RuntimeException e) {
      throw e;
    }
    return 0;
  }

  static String line(Delivery d, boolean color) {
    String status = DeliveryCommands.status(d.getStatus());
    if (color) {
      String code = d.getStatus() == DeliveryStatus.DELIVERY_STATUS_DELIVERED ? "32"
          : d.getStatus() == DeliveryStatus.DELIVERY_STATUS_FAILED ? "31" : "33";
      status = "\u001b[" + code + "m" + status + "\u001b[0m";
    }
    long ms = d.getDuration().getSeconds() * 1000 + d.getDuration().getNanos() / 1_000_000;
    return String.format("%s  %s  %-12s  %s  %-9s  %s  %d ms%s", LocalTime.now().format(TIME), d.getDeliveryId(),
        d.getEventType(), d.getWebhookId(), status, d.getResponseCode() == 0 ? "-" : Integer.toString(d.getResponseCode()), ms,
        d.getError().isEmpty() ? "" : "  " + Shown.line(d.getError()));
  }
}
