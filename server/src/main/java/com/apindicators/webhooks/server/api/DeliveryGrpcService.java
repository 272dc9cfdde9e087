package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.delivery.Delivery;
import com.apindicators.webhooks.server.delivery.DeliveryAttempt;
import com.apindicators.webhooks.server.delivery.DeliveryEngine;
import com.apindicators.webhooks.server.delivery.DeliveryLog;
import com.apindicators.webhooks.server.delivery.DeliveryStatus;
import com.apindicators.webhooks.server.events.PublishRate;
import com.apindicators.webhooks.server.registry.Webhook;
import com.apindicators.webhooks.server.registry.Webhooks;
import com.apindicators.webhooks.server.store.Retention;
import com.apindicators.webhooks.v1.DeliveryServiceGrpc;
import com.apindicators.webhooks.v1.GetDeliveryRequest;
import com.apindicators.webhooks.v1.GetDeliveryResponse;
import com.apindicators.webhooks.v1.ListDeliveriesRequest;
import com.apindicators.webhooks.v1.ListDeliveriesResponse;
import com.apindicators.webhooks.v1.ListDeliveryAttemptsRequest;
import com.apindicators.webhooks.v1.ListDeliveryAttemptsResponse;
import com.apindicators.webhooks.v1.RedeliverDeliveryRequest;
import com.apindicators.webhooks.v1.RedeliverDeliveryResponse;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import com.apindicators.webhooks.v1.WatchDeliveriesResponse;
import io.grpc.stub.ServerCallStreamObserver;
import com.google.rpc.Code;
import com.google.protobuf.util.Timestamps;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The DeliveryService RPCs for the delivery log and redelivery. */
public final class DeliveryGrpcService extends DeliveryServiceGrpc.DeliveryServiceImplBase {
  private static final String LIST_KIND = "deliveries";
  private static final String ATTEMPTS_KIND = "attempts";
  private final DeliveryLog deliveries;
  private final DeliveryEngine engine;
  private final Webhooks webhooks;
  private final DeliveryWatches watches;
  private final Pages pages;
  private final Retention retention;
  private final PublishRateGuard rate;
  private final ResendWindow window;

  /** @param rate the publish rate, shared with EventService: a redelivery takes from it as a publish does */
  public DeliveryGrpcService(DeliveryLog deliveries, DeliveryEngine engine, Webhooks webhooks,
      DeliveryWatches watches, Pages pages, Retention retention, PublishRate rate, Duration attemptTimeout) {
    this.rate = new PublishRateGuard(rate);
    this.window = new ResendWindow(retention, attemptTimeout);
    this.pages = pages;
    this.retention = retention;
    this.deliveries = deliveries;
    this.engine = engine;
    this.webhooks = webhooks;
    this.watches = watches;
  }

  @Override
  public void listDeliveries(ListDeliveriesRequest r, StreamObserver<ListDeliveriesResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      boolean byWebhook = !r.getWebhookId().isEmpty();
      String webhookId = byWebhook ? Fields.resourceId("webhook_id", r.getWebhookId(), "wh_", v) : null;
      String accountId = byWebhook ? null : Access.listedAccount("account_id", r.getAccountId(), v);
      if (byWebhook && !r.getAccountId().isEmpty()) {
        v.add("account_id", "must be empty when webhook_id is set (the webhook names its account)");
      }
      List<DeliveryStatus> statuses = Fields.statuses(r.getStatusesList(), v);
      List<String> types = Fields.eventTypes("event_types", r.getEventTypesList(), v);
      List<String> hooks = Fields.resourceIds("webhook_ids", r.getWebhookIdsList(), "wh_", v);
      Instant from = time("create_time_start", r.hasCreateTimeStart(), r.getCreateTimeStart(), v);
      Instant to = time("create_time_end", r.hasCreateTimeEnd(), r.getCreateTimeEnd(), v);
      int size = Pages.size(r.getPageSize(), v);
      // Webhook listings keep their scope string, so tokens handed out before stay valid.
      String scope = byWebhook ? LIST_KIND + "/" + webhookId : LIST_KIND + "/account/" + accountId;
      long before = pages.position(scope, r.getPageToken(), v);
      v.throwIfAny();
      if (byWebhook) {
        if (webhooks.get(webhookId).filter(w -> Access.mayAccess(w.accountId())).isEmpty()) {
          throw Errors.notFound("webhook", webhookId);
        }
      } else {
        Access.requireAccount(accountId);
      }
      DeliveryLog.Page page = deliveries.list(
          new DeliveryLog.Query(webhookId, accountId, statuses, types, hooks, from, to), before, size);
      ListDeliveriesResponse.Builder b = ListDeliveriesResponse.newBuilder();
      page.deliveries().forEach(d -> b.addDeliveries(ProtoMapper.delivery(d)));
      page.nextBeforeSeq().ifPresent(seq -> b.setNextPageToken(pages.token(scope, seq)));
      return b.build();
    });
  }

  private static Instant time(String field, boolean set, com.google.protobuf.Timestamp t, Violations v) {
    if (!set) {
      return null;
    }
    if (!Timestamps.isValid(t)) {
      v.add(field, "is not a valid time (years 0001-9999)");
      return null;
    }
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  @Override
  public void listDeliveryAttempts(ListDeliveryAttemptsRequest r, StreamObserver<ListDeliveryAttemptsResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      String id = Fields.resourceId("delivery_id", r.getDeliveryId(), "dlv_", v);
      int size = Pages.size(r.getPageSize(), v);
      long after = pages.position(ATTEMPTS_KIND + "/" + id, r.getPageToken(), v);
      v.throwIfAny();
      visible(id);
      DeliveryLog.Attempts found = deliveries.attempts(id, (int) after, size);
      List<DeliveryAttempt> page = found.attempts();
      ListDeliveryAttemptsResponse.Builder b = ListDeliveryAttemptsResponse.newBuilder();
      page.forEach(a -> b.addAttempts(ProtoMapper.attempt(a)));
      if (found.more()) {
        b.setNextPageToken(pages.token(ATTEMPTS_KIND + "/" + id, page.get(page.size() - 1).attempt()));
      }
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

  /** The delivery if the caller may see it; NOT_FOUND otherwise (DELIVERY_AGED_OUT past retention), also for another account's. */
  private Delivery visible(String id) {
    return deliveries.get(id).filter(d -> Access.mayAccess(d.accountId()))
        .orElseThrow(() -> Errors.notFound("delivery", id, retention));
  }

  /**
   * Refuses a redelivery to a webhook that takes no events: disabled (the reason a resend naming it gets), or being
   * deleted. A delivery whose webhook is gone is gone with it.
   */
  private void requireSendable(Delivery d) {
    Webhook w = webhooks.get(d.webhookId()).orElseThrow(() -> Errors.notFound("delivery", d.deliveryId()));
    if (!w.enabled()) {
      throw Errors.of(Code.FAILED_PRECONDITION, "WEBHOOK_NOT_SUBSCRIBED", "Webhook " + w.webhookId() + " of delivery "
          + d.deliveryId() + " is disabled; enable it with UpdateWebhook, then redeliver.");
    }
    if (w.beingDeleted()) {
      throw Errors.of(Code.FAILED_PRECONDITION, "WEBHOOK_BEING_DELETED", "Webhook " + w.webhookId() + " of delivery "
          + d.deliveryId() + " is being deleted (a DeleteWebhook call is in progress, or its server stopped during"
          + " one less than 2 minutes ago).");
    }
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
      requireSendable(before);
      window.require(before.eventId(),
          deliveries.redeliverySchedule(id).orElseThrow(() -> Errors.notFound("delivery", id)));
      rate.take(before.accountId());
      if (engine.redeliver(id).isEmpty()) {
        // Its webhook disabled or being deleted meanwhile, its event no longer kept, or pending when the update ran
        // (already, or made so by another redelivery meanwhile, whose attempt may have ended since): the event is
        // asked of itself, not inferred from the delivery's status now.
        requireSendable(before);
        if (!deliveries.eventKept(before.eventId())) {
          throw Errors.of(Code.FAILED_PRECONDITION, "EVENT_NOT_KEPT", "The event " + before.eventId() + " of delivery "
              + id + " is no longer kept, so the delivery cannot be sent again; publish the event again instead.",
              Map.of("event_id", before.eventId()));
        }
        throw Errors.of(Code.FAILED_PRECONDITION, "DELIVERY_PENDING", "Delivery " + id + " had an attempt coming"
            + " when this call ran (it was pending, or another redelivery made it so meanwhile); redeliver it once it"
            + " is delivered or failed.");
      }
      Delivery now = deliveries.get(id).orElseThrow(() -> Errors.notFound("delivery", id));
      return RedeliverDeliveryResponse.newBuilder().setDelivery(ProtoMapper.delivery(now)).build();
    });
  }
}
