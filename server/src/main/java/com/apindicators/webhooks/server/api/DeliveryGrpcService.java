package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.delivery.Delivery;
import com.apindicators.webhooks.server.delivery.DeliveryEngine;
import com.apindicators.webhooks.server.delivery.DeliveryLog;
import com.apindicators.webhooks.server.delivery.DeliveryStatus;
import com.apindicators.webhooks.server.registry.Webhooks;
import com.apindicators.webhooks.v1.DeliveryServiceGrpc;
import com.apindicators.webhooks.v1.GetDeliveryRequest;
import com.apindicators.webhooks.v1.GetDeliveryResponse;
import com.apindicators.webhooks.v1.ListDeliveriesRequest;
import com.apindicators.webhooks.v1.ListDeliveriesResponse;
import com.apindicators.webhooks.v1.RedeliverDeliveryRequest;
import com.apindicators.webhooks.v1.RedeliverDeliveryResponse;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import com.apindicators.webhooks.v1.WatchDeliveriesResponse;
import io.grpc.stub.ServerCallStreamObserver;
import com.google.rpc.Code;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** The DeliveryService RPCs for the delivery log and redelivery. */
public final class DeliveryGrpcService extends DeliveryServiceGrpc.DeliveryServiceImplBase {
  private static final String LIST_KIND = "deliveries";
  private final DeliveryLog deliveries;
  private final DeliveryEngine engine;
  private final Webhooks webhooks;
  private final DeliveryWatches watches;
  private final Pages pages;

  public DeliveryGrpcService(DeliveryLog deliveries, DeliveryEngine engine,
      Webhooks webhooks, DeliveryWatches watches, Pages pages) {
    this.pages = pages;
    this.deliveries = deliveries;
    this.engine = engine;
    this.webhooks = webhooks;
    this.watches = watches;
  }

  @Override
  public void listDeliveries(ListDeliveriesRequest r, StreamObserver<ListDeliveriesResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      String webhookId = Fields.resourceId("webhook_id", r.getWebhookId(), "wh_", v);
      List<DeliveryStatus> statuses = Fields.statuses(r.getStatusesList(), v);
      int size = Pages.size(r.getPageSize(), v);
      long before = pages.position(LIST_KIND + "/" + webhookId, r.getPageToken(), v);
      v.throwIfAny();
      if (webhooks.get(webhookId).filter(w -> Access.mayAccess(w.accountId())).isEmpty()) {
        throw Errors.notFound("webhook", webhookId);
      }
      DeliveryLog.Page page = deliveries.list(webhookId, statuses, before, size);
      ListDeliveriesResponse.Builder b = ListDeliveriesResponse.newBuilder();
      page.deliveries().forEach(d -> b.addDeliveries(ProtoMapper.delivery(d)));
      page.nextBeforeSeq().ifPresent(seq -> b.setNextPageToken(pages.token(LIST_KIND + "/" + webhookId, seq)));
      return b.build();
    });
  }

  @Override
  public void getDelivery(GetDeliveryRequest r, StreamObserver<GetDeliveryResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      String id = Fields.resourceId("delivery_id", r.getDeliveryId(), "dlv_", v);
      v.throwIfAny();
      Delivery d = visible(id);
      return GetDeliveryResponse.newBuilder().setDelivery(ProtoMapper.delivery(d)).build();
    });
  }

  /** The delivery if the caller may see it; NOT_FOUND otherwise, also for another account's. */
  private Delivery visible(String id) {
    return deliveries.get(id).filter(d -> Access.mayAccess(d.accountId()))
        .orElseThrow(() -> Errors.notFound("delivery", id));
  }

  @Override
  public void watchDeliveries(WatchDeliveriesRequest r, StreamObserver<WatchDeliveriesResponse> observer) {
    watches.watch(r, (ServerCallStreamObserver<WatchDeliveriesResponse>) observer);
  }

  @Override
  public void redeliverDelivery(RedeliverDeliveryRequest r, StreamObserver<RedeliverDeliveryResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      String id = Fields.resourceId("delivery_id", r.getDeliveryId(), "dlv_", v);
      v.throwIfAny();
      Delivery before = visible(id);
      if (engine.redeliver(id).isEmpty()) {
        throw Errors.of(Code.FAILED_PRECONDITION, "DELIVERY_PENDING", "Delivery " + id + " is "
            + before.status().name().toLowerCase() + " and already has an attempt coming; redeliver it once it is delivered or failed.");
      }
      Delivery now = deliveries.get(id).orElseThrow(() -> Errors.notFound("delivery", id));
      return RedeliverDeliveryResponse.newBuilder().setDelivery(ProtoMapper.delivery(now)).build();
    });
  }
}
