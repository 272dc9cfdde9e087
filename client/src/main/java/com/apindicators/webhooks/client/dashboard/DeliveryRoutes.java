package com.apindicators.webhooks.client.dashboard;

import com.apindicators.webhooks.client.WebhooksClient;
import com.apindicators.webhooks.v1.Delivery;
import com.apindicators.webhooks.v1.DeliveryAttempt;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.ListDeliveriesRequest;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.util.Timestamps;
import io.javalin.Javalin;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The JSON behind the delivery lists and a delivery's page: filtered pages, one delivery in full, redeliver. */
final class DeliveryRoutes {
  /** The most deliveries one request lists (the Live page's chart reads the last minutes' deliveries up to this). */
  static final int MAX_LISTED = 1000;
  private final WebhooksClient client;
  private final DashboardScope scope;
  private final RequestBodies bodies;

  DeliveryRoutes(WebhooksClient client, DashboardScope scope) {
    this.client = client;
    this.scope = scope;
    this.bodies = new RequestBodies(client);
  }

  void register(Javalin app) {
    app.get("/api/deliveries", this::list);
    app.get("/api/deliveries/{id}", this::get);
    app.post("/api/deliveries/{id}/redeliver", ctx -> ProtoJson.send(ctx, client.redeliver(ctx.pathParam("id"))));
  }

  /**
   * A page of deliveries newest first: one webhook's ({@code webhook}) or the account's, filtered by
   * {@code status} and {@code type} (repeatable), optionally only those created in the last {@code minutes}.
   */
  private void list(Context ctx) {
    ListDeliveriesRequest.Builder r = ListDeliveriesRequest.newBuilder()
        .addAllStatuses(statuses(ctx.queryParams("status")))
        .addAllEventTypes(ctx.queryParams("type"))
        .setPageToken(String.valueOf(ctx.queryParamAsClass("pageToken", String.class).getOrDefault("")));
    String webhook = ctx.queryParam("webhook");
    if (webhook != null && !webhook.isBlank()) {
      r.setWebhookId(webhook);
    } else {
      r.setAccountId(scope.account(ctx)).addAllWebhookIds(ctx.queryParams("webhookId"));
    }
    String minutes = ctx.queryParam("minutes");
    if (minutes != null) {
      long m = ctx.queryParamAsClass("minutes", Long.class).check(v -> v > 0 && v <= 24 * 60, "1 to 1440").get();
      r.setCreateTimeStart(Timestamps.fromMillis(System.currentTimeMillis() - m * 60_000));
      JsonObject o = new JsonObject();
      JsonArray all = new JsonArray();
      client.listDeliveries(r.build(), MAX_LISTED).forEach(d -> all.add(ProtoJson.tree(d)));
      o.add("deliveries", all);
      ProtoJson.send(ctx, o);
      return;
    }
    int size = ctx.queryParamAsClass("pageSize", Integer.class).getOrDefault(25);
    ProtoJson.send(ctx, client.listDeliveriesPage(r.setPageSize(Math.max(1, Math.min(size, 500))).build()));
  }

  /** A delivery with every attempt, the request body as sent and the headers we sent (signatures withheld). */
  private void get(Context ctx) {
    Delivery d = client.getDelivery(ctx.pathParam("id"));
    List<DeliveryAttempt> attempts = client.listDeliveryAttempts(d.getDeliveryId());
    JsonObject o = new JsonObject();
    o.add("delivery", ProtoJson.tree(d));
    JsonArray a = new JsonArray();
    attempts.forEach(x -> a.add(ProtoJson.tree(x)));
    o.add("attempts", a);
    bodies.body(d).ifPresent(b -> o.addProperty("requestBody", b));
    JsonArray headers = new JsonArray();
    RequestBodies.headers(d, attempts).forEach((k, v) -> {
      JsonObject h = new JsonObject();
      h.addProperty("name", k);
      h.addProperty("value", v);
      headers.add(h);
    });
    o.add("requestHeaders", headers);
    ProtoJson.send(ctx, o);
  }

  static List<DeliveryStatus> statuses(List<String> words) {
    List<DeliveryStatus> out = new ArrayList<>();
    for (String w : words) {
      try {
        out.add(DeliveryStatus.valueOf("DELIVERY_STATUS_" + w.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new BadRequestResponse("Unknown status '" + w + "': use pending, delivered or failed.");
      }
    }
    return out;
  }
}
