package com.apindicators.webhooks.client.dashboard;

import com.apindicators.webhooks.client.Watch;
import com.apindicators.webhooks.client.WebhooksClient;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import io.grpc.Status;
import io.javalin.http.sse.SseClient;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * GET /api/stream: Server-Sent Events of delivery changes, fed by WatchDeliveries. Each event's id is the
 * watch's resume token, so a browser that reconnects (EventSource sends it back as Last-Event-ID) gets
 * every change it missed, then live ones.
 */
final class LiveUpdates {
  /** Streams open at once from this dashboard; each holds one WatchDeliveries stream on the server. */
  static final int MAX_STREAMS = 20;
  private final WebhooksClient client;
  private final DashboardScope scope;
  private final AtomicInteger open = new AtomicInteger();

  LiveUpdates(WebhooksClient client, DashboardScope scope) {
    this.client = client;
    this.scope = scope;
  }

  void handle(SseClient sse) {
    var ctx = sse.ctx();
    String resume = ctx.header("Last-Event-ID");
    if (resume == null || resume.isBlank()) {
      resume = ctx.queryParamAsClass("resume", String.class).getOrDefault("");
    }
    WatchDeliveriesRequest.Builder r = WatchDeliveriesRequest.newBuilder().setResumeToken(resume)
        .addAllWebhookIds(ctx.queryParams("webhook")).addAllEventTypes(ctx.queryParams("type"))
        .addAllStatuses(DeliveryRoutes.statuses(ctx.queryParams("status")));
    r.setAccountId(scope.account(ctx));
    if (open.incrementAndGet() > MAX_STREAMS) {
      open.decrementAndGet();
      sse.sendEvent("failure", "Too many live views are open (at most " + MAX_STREAMS + "); close some tabs and reload.");
      sse.close();
      return;
    }
    sse.keepAlive();
    Object lock = new Object();
    Watch watch = client.watch(r.build(), u -> {
      synchronized (lock) {
        sse.sendEvent("delivery", ProtoJson.print(u.getDelivery()), u.getResumeToken());
      }
    }, t -> {
      synchronized (lock) {
        String d = Status.fromThrowable(t).getDescription();
        sse.sendEvent("failure", d == null ? Status.fromThrowable(t).getCode().name() : d);
        sse.close();
      }
    });
    sse.onClose(() -> {
      watch.close();
      open.decrementAndGet();
    });
    synchronized (lock) {
      sse.sendComment("watching");
    }
  }
}
