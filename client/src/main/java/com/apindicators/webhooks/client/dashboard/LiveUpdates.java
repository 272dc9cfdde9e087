package com.apindicators.webhooks.client.dashboard;

import com.apindicators.webhooks.client.Watch;
import com.apindicators.webhooks.client.WebhooksClient;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import com.apindicators.webhooks.v1.WatchDeliveriesResponse;
import io.grpc.Status;
import io.javalin.http.sse.SseClient;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * GET /api/stream: Server-Sent Events of delivery changes, fed by WatchDeliveries. Each event's id is the
 * watch's resume token, so a browser that reconnects (EventSource sends it back as Last-Event-ID) gets
 * every change it missed, then live ones.
 */
final class LiveUpdates implements AutoCloseable {
  /** Streams open at once from this dashboard; each holds one WatchDeliveries stream on the server. */
  static final int MAX_STREAMS = 20;
  /**
   * How often each stream gets a comment line: a closed tab is noticed only when a write to it fails, and
   * until then its watch holds a server-side WatchDeliveries slot.
   */
  static final long HEARTBEAT_MILLIS = 2000;
  private final WebhooksClient client;
  private final DashboardScope scope;
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "dashboard-heartbeat");
    t.setDaemon(true);
    return t;
  });

  LiveUpdates(WebhooksClient client, DashboardScope scope) {
    this.client = client;
    this.scope = scope;
    heartbeat.scheduleWithFixedDelay(() -> streams.forEach(s -> s.comment("ping")), HEARTBEAT_MILLIS, HEARTBEAT_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  void handle(SseClient sse) {
    var ctx = sse.ctx();
    String resume = ctx.header("Last-Event-ID");
    if (resume == null || resume.isBlank()) {
      resume = ctx.queryParamAsClass("resume", String.class).getOrDefault("");
    }
    WatchDeliveriesRequest request = WatchDeliveriesRequest.newBuilder().setResumeToken(resume)
        .setAccountId(scope.account(ctx)).addAllWebhookIds(ctx.queryParams("webhook"))
        .addAllEventTypes(ctx.queryParams("type")).addAllStatuses(DeliveryRoutes.statuses(ctx.queryParams("status")))
        .build();
    if (streams.size() >= MAX_STREAMS) {
      sse.sendEvent("failure", "Too many live views are open (at most " + MAX_STREAMS + "); close some tabs and reload.");
      sse.close();
      return;
    }
    sse.keepAlive();
    Stream stream = new Stream(sse);
    streams.add(stream);
    stream.watch = client.watch(request, stream::delivery, stream::failure);
    sse.onClose(() -> {
      streams.remove(stream);
      stream.watch.close();
    });
    stream.comment("watching");
  }

  @Override
  public void close() {
    heartbeat.shutdownNow();
    streams.forEach(s -> s.watch.close());
  }

  /** One browser's stream; writes from the watch and the heartbeat take turns. */
  private static final class Stream {
    private final SseClient sse;
    volatile Watch watch;

    Stream(SseClient sse) {
      this.sse = sse;
    }

    synchronized void delivery(WatchDeliveriesResponse u) {
      sse.sendEvent("delivery", ProtoJson.print(u.getDelivery()), u.getResumeToken());
    }

    synchronized void failure(Throwable t) {
      Status s = Status.fromThrowable(t);
      sse.sendEvent("failure", s.getDescription() == null ? s.getCode().name() : s.getDescription());
      sse.close();
    }

    synchronized void comment(String text) {
      if (!sse.terminated()) {
        sse.sendComment(text);
      }
    }
  }
}
