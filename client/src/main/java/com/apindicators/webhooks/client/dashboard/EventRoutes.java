package com.apindicators.webhooks.client.dashboard;

import com.apindicators.webhooks.client.EventSamples;
import com.apindicators.webhooks.client.WebhooksClient;
import com.apindicators.webhooks.v1.EventType;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.javalin.Javalin;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;

/** The JSON behind the Event types page: the catalog with an example payload each, and sending a test event. */
final class EventRoutes {
  private final WebhooksClient client;
  private final DashboardScope scope;

  EventRoutes(WebhooksClient client, DashboardScope scope) {
    this.client = client;
    this.scope = scope;
  }

  void register(Javalin app) {
    app.get("/api/event-types", this::catalog);
    app.post("/api/test-events", this::sendTest);
  }

  private void catalog(Context ctx) {
    JsonArray types = new JsonArray();
    for (EventType t : client.listEventTypes()) {
      JsonObject o = ProtoJson.tree(t).getAsJsonObject();
      o.addProperty("example", EventSamples.DATA.getOrDefault(t.getName(), "{}"));
      types.add(o);
    }
    JsonObject o = new JsonObject();
    o.add("eventTypes", types);
    ProtoJson.send(ctx, o);
  }

  /**
   * Publishes the example of a type as a test event: to the webhooks named (webhookIds), or to every webhook of the
   * account subscribed to it.
   */
  private void sendTest(Context ctx) {
    PublishEventRequest.Builder r = ProtoJson.parse(ctx, PublishEventRequest.newBuilder());
    String data = EventSamples.DATA.get(r.getType());
    if (data == null) {
      throw new BadRequestResponse("Pick an event type of the catalog.");
    }
    ProtoJson.send(ctx, client.publish(PublishEventRequest.newBuilder().setType(r.getType()).setDataJson(data)
        .setAccountId(scope.account(ctx)).addAllWebhookIds(r.getWebhookIdsList()).build()));
  }
}
