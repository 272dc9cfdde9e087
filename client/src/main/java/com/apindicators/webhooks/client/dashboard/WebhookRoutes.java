package com.apindicators.webhooks.client.dashboard;

import com.apindicators.webhooks.client.WebhooksClient;
import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.SetPlanRequest;
import com.apindicators.webhooks.v1.UpdateWebhookRequest;
import com.apindicators.webhooks.v1.Webhook;
import com.apindicators.webhooks.v1.WebhookHealth;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.javalin.Javalin;
import io.javalin.http.Context;

/** The JSON behind the Webhooks page: the account and its plan, the webhooks with their recent health, and changes. */
final class WebhookRoutes {
  /** How many of a webhook's latest deliveries its success rate and last status are computed from. */
  private final WebhooksClient client;
  private final DashboardScope scope;

  WebhookRoutes(WebhooksClient client, DashboardScope scope) {
    this.client = client;
    this.scope = scope;
  }

  void register(Javalin app) {
    app.get("/api/context", this::context);
    app.get("/api/account", ctx -> ProtoJson.send(ctx, client.getAccount(scope.account(ctx))));
    app.post("/api/account/plan", this::setPlan);
    app.get("/api/webhooks", this::list);
    app.post("/api/webhooks", this::create);
    app.get("/api/webhooks/{id}", ctx -> ProtoJson.send(ctx, client.getWebhook(ctx.pathParam("id"))));
    app.post("/api/webhooks/{id}", this::update);
    app.delete("/api/webhooks/{id}", ctx -> {
      client.deleteWebhook(ctx.pathParam("id"));
      ctx.status(204);
    });
    app.post("/api/webhooks/{id}/rotate-secret", ctx -> ProtoJson.send(ctx, client.rotateSigningSecret(ctx.pathParam("id"))));
  }

  private void context(Context ctx) {
    JsonObject o = new JsonObject();
    o.addProperty("admin", scope.admin());
    o.addProperty("account", scope.account());
    ProtoJson.send(ctx, o);
  }

  private void setPlan(Context ctx) {
    SetPlanRequest r = ProtoJson.parse(ctx, SetPlanRequest.newBuilder()).build();
    ProtoJson.send(ctx, client.setPlan(scope.account(ctx), r.getPlan()));
  }

  /**
   * The account's webhooks, each with its last delivery's status and the success rate of its last 100 attempts:
   * the server keeps both on the webhook (its health), so the list is one call however many webhooks there are.
   */
  private void list(Context ctx) {
    String account = scope.account(ctx);
    JsonArray items = new JsonArray();
    for (Webhook w : client.listWebhooks(account)) {
      WebhookHealth h = w.getHealth();
      JsonObject item = new JsonObject();
      item.add("webhook", ProtoJson.tree(w));
      item.addProperty("lastStatus", h.getLastDeliveryStatus() == DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED
          ? "" : h.getLastDeliveryStatus().name());
      item.addProperty("completed", h.getRecentAttempts());
      item.addProperty("delivered", Math.round(h.getSuccessRate() * h.getRecentAttempts()));
      items.add(item);
    }
    JsonObject o = new JsonObject();
    o.add("webhooks", items);
    ProtoJson.send(ctx, o);
  }

  private void create(Context ctx) {
    CreateWebhookRequest.Builder r = ProtoJson.parse(ctx, CreateWebhookRequest.newBuilder());
    ProtoJson.send(ctx, client.createWebhook(r.setAccountId(scope.account(ctx)).build()));
  }

  private void update(Context ctx) {
    UpdateWebhookRequest.Builder r = ProtoJson.parse(ctx, UpdateWebhookRequest.newBuilder());
    r.getWebhookBuilder().setWebhookId(ctx.pathParam("id"));
    ProtoJson.send(ctx, client.updateWebhook(r.getWebhook(), r.getUpdateMask()));
  }
}
