package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.delivery.DeliveryLog;
import com.apindicators.webhooks.server.events.EventJson;
import com.apindicators.webhooks.server.events.EventLog;
import com.apindicators.webhooks.server.events.IdempotencyKeyReusedException;
import com.apindicators.webhooks.server.events.NewEvent;
import com.apindicators.webhooks.server.events.PublishRate;
import com.apindicators.webhooks.server.events.PublishedEvent;
import com.apindicators.webhooks.server.events.Publisher;
import com.apindicators.webhooks.server.registry.EventCatalog;
import com.apindicators.webhooks.server.registry.Webhook;
import com.apindicators.webhooks.server.registry.Webhooks;
import com.apindicators.webhooks.server.store.Retention;
import com.apindicators.webhooks.v1.EventServiceGrpc;
import com.apindicators.webhooks.v1.ListEventsRequest;
import com.apindicators.webhooks.v1.ListEventsResponse;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.apindicators.webhooks.v1.PublishEventResponse;
import com.apindicators.webhooks.v1.ResendEventRequest;
import com.apindicators.webhooks.v1.ResendEventResponse;
import com.google.protobuf.util.Timestamps;
import com.google.rpc.Code;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The EventService RPCs: validate, call {@link Publisher} or {@link EventLog}, map. */
public final class EventGrpcService extends EventServiceGrpc.EventServiceImplBase {
  public static final int MAX_DATA_BYTES = 64 * 1024;
  public static final int MAX_IDEMPOTENCY_KEY = 200;
  private static final String LIST_KIND = "events";
  private final Publisher publisher;
  private final PublishRateGuard rate;
  private final EventLog events;
  private final Webhooks webhooks;
  private final DeliveryLog deliveries;
  private final Pages pages;
  private final Retention retention;
  private final ResendWindow window;

  public EventGrpcService(Publisher publisher, PublishRate rate, EventLog events, Webhooks webhooks,
      DeliveryLog deliveries, Pages pages, Retention retention, Duration attemptTimeout) {
    this.retention = retention;
    this.window = new ResendWindow(retention, attemptTimeout);
    this.publisher = publisher;
    this.rate = new PublishRateGuard(rate);
    this.events = events;
    this.webhooks = webhooks;
    this.deliveries = deliveries;
    this.pages = pages;
  }

  @Override
  public void publishEvent(PublishEventRequest r, StreamObserver<PublishEventResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      if (!EventCatalog.contains(r.getType())) {
        v.add("type", (r.getType().isEmpty() ? "is required" : "is not an event type")
            + "; use one of " + String.join(", ", EventCatalog.all().keySet()));
      }
      EventJson.Data data = data(r, v);
      String accountId = r.getAccountId().isEmpty() ? null : Fields.accountId("account_id", r.getAccountId(), v);
      Instant timestamp = null;
      if (r.hasTimestamp()) {
        if (!Timestamps.isValid(r.getTimestamp())) {
          v.add("timestamp", "is not a valid time (years 0001-9999)");
        } else {
          timestamp = Instant.ofEpochSecond(r.getTimestamp().getSeconds(), r.getTimestamp().getNanos());
        }
      }
      String key = r.getIdempotencyKey().isEmpty() ? null : r.getIdempotencyKey();
      if (key != null && (key.length() > MAX_IDEMPOTENCY_KEY || Fields.hasControl(key))) {
        v.add("idempotency_key", "must be at most " + MAX_IDEMPOTENCY_KEY + " printable characters");
      }
      List<String> webhookIds = Fields.resourceIds("webhook_ids", r.getWebhookIdsList(), "wh_", v);
      if (!webhookIds.isEmpty() && accountId == null) {
        v.add("webhook_ids", "needs account_id: name the account whose webhooks these are");
      }
      v.throwIfAny();
      if (accountId == null) {
        Access.requireAdmin("Publishing an event to every account (no account_id)");
      } else {
        Access.requireAccount(accountId);
      }
      requireTargets(webhookIds, accountId, r.getType());
      rate.take(accountId);
      NewEvent event = new NewEvent(r.getType(), data, accountId, timestamp, key, webhookIds);
      try {
        Publisher.Published p = publisher.publish(event);
        return PublishEventResponse.newBuilder()
            .setEvent(ProtoMapper.event(p.event()))
            .setDeliveriesCreated(p.deliveriesCreated())
            .build();
      } catch (IdempotencyKeyReusedException e) {
        throw Errors.of(Code.ALREADY_EXISTS, "IDEMPOTENCY_KEY_REUSED", e.getMessage());
      }
    });
  }

  /** The data from either field of the payload oneof; {@code {}} when neither is set. */
  private static EventJson.Data data(PublishEventRequest r, Violations v) {
    String field = r.hasDataJson() ? "data_json" : "data";
    String json;
    if (r.hasDataJson()) {
      json = r.getDataJson();
    } else if (!StructJson.allFinite(r.getData())) {
      v.add("data", "numbers must be finite: JSON has no NaN or Infinity");
      return null;
    } else {
      json = StructJson.data(r.getData());
    }
    try {
      EventJson.Data data = EventJson.parse(json);
      int size = data.compact().getBytes(StandardCharsets.UTF_8).length;
      if (size > MAX_DATA_BYTES) {
        v.add(field, "is " + size + " bytes as compact JSON; at most " + MAX_DATA_BYTES + " (64 KiB) are allowed");
      }
      return data;
    } catch (EventJson.InvalidDataException e) {
      v.add(field, e.getMessage());
      return null;
    }
  }

  /**
   * Checks webhooks named as an event's only targets: each visible to the caller, of the event's account (any
   * account's for a broadcast), enabled, subscribed to its type, and not being deleted.
   */
  private void requireTargets(List<String> webhookIds, String accountId, String type) {
    Map<String, Webhook> found = webhooks.getAll(webhookIds);
    for (String id : webhookIds) {
      Webhook w = Optional.ofNullable(found.get(id))
          .filter(h -> Access.mayAccess(h.accountId()) && (accountId == null || accountId.equals(h.accountId())))
          .orElseThrow(() -> Errors.notFound("webhook", id));
      if (!w.enabled() || !w.events().contains(type)) {
        throw Errors.of(Code.FAILED_PRECONDITION, "WEBHOOK_NOT_SUBSCRIBED", "Webhook " + id + " is "
            + (w.enabled() ? "not subscribed to " + type : "disabled")
            + "; enable it or add the event type with UpdateWebhook, or leave it out of webhook_ids.");
      }
      if (w.beingDeleted()) {
        throw Errors.of(Code.FAILED_PRECONDITION, "WEBHOOK_BEING_DELETED", "Webhook " + id + " is being deleted"
            + " (a DeleteWebhook call is in progress, or its server stopped during one less than 2 minutes ago);"
            + " leave it out of webhook_ids, or call DeleteWebhook again to finish deleting it.");
      }
    }
  }


  @Override
  public void listEvents(ListEventsRequest r, StreamObserver<ListEventsResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      String accountId = Access.listedAccount("account_id", r.getAccountId(), v);
      List<String> types = Fields.eventTypes("event_types", r.getEventTypesList(), v);
      int size = Pages.size(r.getPageSize(), v);
      long before = pages.position(LIST_KIND + "/" + accountId, r.getPageToken(), v);
      v.throwIfAny();
      Access.requireAccount(accountId);
      EventLog.Page page = events.list(accountId, types, before, size);
      ListEventsResponse.Builder b = ListEventsResponse.newBuilder();
      page.events().forEach(e -> b.addEvents(ProtoMapper.event(e)));
      page.nextBeforeSeq().ifPresent(seq -> b.setNextPageToken(pages.token(LIST_KIND + "/" + accountId, seq)));
      return b.build();
    });
  }

  @Override
  public void resendEvent(ResendEventRequest r, StreamObserver<ResendEventResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      String eventId = Fields.resourceId("event_id", r.getEventId(), "evt_", v);
      List<String> webhookIds = Fields.resourceIds("webhook_ids", r.getWebhookIdsList(), "wh_", v);
      v.throwIfAny();
      // A broadcast (no account) is visible to admin keys only.
      PublishedEvent event = events.get(eventId).filter(e -> Access.mayAccess(e.accountId()))
          .orElseThrow(() -> Errors.notFound("event", eventId, retention));
      requireTargets(webhookIds, event.accountId(), event.type());
      window.require(eventId, webhooks.longestSchedule(event.accountId(), event.type(), webhookIds));
      rate.take(event.accountId());
      List<String> created = publisher.resend(event, webhookIds);
      ResendEventResponse.Builder b = ResendEventResponse.newBuilder();
      deliveries.getAll(created).forEach(d -> b.addDeliveries(ProtoMapper.delivery(d)));
      return b.build();
    });
  }
}
