package com.apindicators.webhooks.server;

import com.apindicators.webhooks.v1.*;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Channel;
import java.util.List;

/** Short ways to set up accounts, webhooks and events through the real API. */
public final class Fixtures {
  public final AccountServiceGrpc.AccountServiceBlockingStub accounts;
  public final WebhookServiceGrpc.WebhookServiceBlockingStub webhooks;
  public final EventServiceGrpc.EventServiceBlockingStub events;
  public final DeliveryServiceGrpc.DeliveryServiceBlockingStub deliveries;

  public Fixtures(Channel channel) {
    accounts = AccountServiceGrpc.newBlockingStub(channel);
    webhooks = WebhookServiceGrpc.newBlockingStub(channel);
    events = EventServiceGrpc.newBlockingStub(channel);
    deliveries = DeliveryServiceGrpc.newBlockingStub(channel);
  }

  public void plan(String account, Plan plan) {
    accounts.setPlan(SetPlanRequest.newBuilder().setAccountId(account).setPlan(plan).build());
  }

  /** Creates a webhook (on a Business account) and returns it with its secret. */
  public CreateWebhookResponse webhook(String account, String url, String... events) {
    return webhook(CreateWebhookRequest.newBuilder().setAccountId(account).setName("hook").setUrl(url)
        .addAllEvents(List.of(events)));
  }

  public CreateWebhookResponse webhook(CreateWebhookRequest.Builder request) {
    plan(request.getAccountId(), Plan.PLAN_BUSINESS);
    return webhooks.createWebhook(request.build());
  }

  public static Struct json(String json) {
    Struct.Builder b = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(json, b);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
    return b.build();
  }

  public PublishEventResponse publish(String type, String dataJson, String account) {
    return events.publishEvent(PublishEventRequest.newBuilder().setType(type).setData(json(dataJson))
        .setAccountId(account).build());
  }

  public Delivery delivery(String id) {
    return deliveries.getDelivery(GetDeliveryRequest.newBuilder().setDeliveryId(id).build()).getDelivery();
  }

  public List<Delivery> deliveriesOf(String webhookId) {
    return deliveries.listDeliveries(ListDeliveriesRequest.newBuilder().setWebhookId(webhookId).setPageSize(500).build())
        .getDeliveriesList();
  }
}
