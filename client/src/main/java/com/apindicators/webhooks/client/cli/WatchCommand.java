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
  @Option(names = "--account", defaultValue = "") String account;
  @Option(names = "--webhook", split = ",") List<String> webhooks;
  @Option(names = "--event-type", split = ",") List<String> eventTypes;
  @Option(names = "--json", description = "one JSON object per line") boolean json;
  @Option(names = "--seconds", defaultValue = "0", description = "stop after this many seconds (0 = until Ctrl-C)") long seconds;

  @Override
  public Integer call() throws Exception {
    WebhooksCli root = WebhooksCli.root(spec);
    boolean color = System.console() != null && !json;
    WatchDeliveriesRequest.Builder r = WatchDeliveriesRequest.newBuilder().setAccountId(account);
    if (webhooks != null) {
      r.addAllWebhookIds(webhooks);
    }
    if (eventTypes != null) {
      r.addAllEventTypes(eventTypes);
    }
    CountDownLatch failed = new CountDownLatch(1);
    AtomicReference<Throwable> error = new AtomicReference<>();
    try (WebhooksClient c = root.client();
        Watch w = c.watch(r.build(), u -> {
          synchronized (root) {
            root.out.println(json ? WebhooksCli.toJson(u) : line(u.getDelivery(), color));
            root.out.flush();
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
    return String.format("%s  %-12s  %s  %-9s  %s  %d ms", LocalTime.now().format(TIME), d.getEventType(), d.getWebhookId(),
        status, d.getResponseCode() == 0 ? "-" : Integer.toString(d.getResponseCode()), ms);
  }
}
