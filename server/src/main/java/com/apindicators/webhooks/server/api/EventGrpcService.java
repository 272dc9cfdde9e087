package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.events.IdempotencyKeyReusedException;
import com.apindicators.webhooks.server.events.NewEvent;
import com.apindicators.webhooks.server.events.PayloadJson;
import com.apindicators.webhooks.server.events.PublishRate;
import com.apindicators.webhooks.server.events.Publisher;
import com.apindicators.webhooks.server.registry.EventCatalog;
import com.apindicators.webhooks.v1.EventServiceGrpc;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.apindicators.webhooks.v1.PublishEventResponse;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.Timestamps;
import com.google.rpc.Code;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/** The EventService RPCs: validate, call {@link Publisher}, map. */
public final class EventGrpcService extends EventServiceGrpc.EventServiceImplBase {
  public static final int MAX_DATA_BYTES = 64 * 1024;
  public static final int MAX_IDEMPOTENCY_KEY = 200;
  private final Publisher publisher;
  private final PublishRate rate;

  public EventGrpcService(Publisher publisher, PublishRate rate) {
    this.publisher = publisher;
    this.rate = rate;
  }

  @Override
  public void publishEvent(PublishEventRequest r, StreamObserver<PublishEventResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      if (!EventCatalog.contains(r.getType())) {
        v.add("type", (r.getType().isEmpty() ? "is required" : "is not an event type")
            + "; use one of " + String.join(", ", EventCatalog.all().keySet()));
      }
      String dataJson = "{}";
      if (!PayloadJson.allFinite(r.getData())) {
        v.add("data", "numbers must be finite: JSON has no NaN or Infinity");
      } else {
        dataJson = PayloadJson.data(r.getData());
        int size = dataJson.getBytes(StandardCharsets.UTF_8).length;
        if (size > MAX_DATA_BYTES) {
          v.add("data", "is " + size + " bytes as JSON; at most " + MAX_DATA_BYTES + " (64 KiB) are allowed");
        }
      }
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
      v.throwIfAny();
      if (accountId == null) {
        Access.requireAdmin("Publishing an event to every account (no account_id)");
      } else {
        Access.requireAccount(accountId);
      }
      Duration wait = rate.take(accountId);
      if (!wait.isZero()) {
        throw Errors.exhausted("PUBLISH_RATE_EXCEEDED", (accountId == null ? "Broadcasts" : "Account '" + accountId
            + "'") + " published faster than this server allows; retry after the RetryInfo delay ("
            + wait.toMillis() + " ms), or spread publishes out.", wait);
      }
      Struct data = r.getData();
      NewEvent event = new NewEvent(r.getType(), dataJson, accountId, timestamp, key,
          string(data, "pair"), string(data, "interval"), number(data, "score"));
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

  private static String string(Struct s, String key) {
    Value v = s.getFieldsOrDefault(key, null);
    return v != null && v.hasStringValue() ? v.getStringValue() : null;
  }

  private static Double number(Struct s, String key) {
    Value v = s.getFieldsOrDefault(key, null);
    return v != null && v.hasNumberValue() ? v.getNumberValue() : null;
  }
}
