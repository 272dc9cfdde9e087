package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.delivery.DeliveryStatus;
import com.apindicators.webhooks.server.registry.EventCatalog;
import com.apindicators.webhooks.server.stream.WatchFilter;
import com.apindicators.webhooks.server.stream.WatchHub;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import com.apindicators.webhooks.v1.WatchDeliveriesResponse;
import com.google.rpc.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.HashSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/** WatchDeliveries: validates the filter and token, then subscribes the stream to the hub. */
public final class DeliveryWatches {
  public static final int MAX_FILTER_VALUES = Fields.MAX_REPEATED;
  private final int changeLogDays;
  private final WatchHub hub;
  private final int bufferSize;
  private final ResumeTokens tokens;
  private final WatchQuota quota;
  private final StreamWatcher.Responses responses;
  private final StreamSenders senders = new StreamSenders();
  private final StreamsByKey byKey;

  /**
   * @param bufferSize how many updates one stream may have unsent before it is cut off
   * @param watchesPerKey how many streams one API key may have open at once
   * @param changeLogDays how many days of updates the change log keeps (older tokens are out of range)
   */
  public DeliveryWatches(WatchHub hub, int bufferSize, ResumeTokens tokens, int watchesPerKey, int changeLogDays,
      StreamsByKey byKey) {
    this.byKey = byKey;
    this.changeLogDays = changeLogDays;
    this.hub = hub;
    this.bufferSize = bufferSize;
    this.tokens = tokens;
    this.quota = new WatchQuota(watchesPerKey);
    this.responses = new StreamWatcher.Responses(tokens);
  }

  void watch(WatchDeliveriesRequest r, ServerCallStreamObserver<WatchDeliveriesResponse> observer) {
    StreamWatcher watcher = new StreamWatcher(observer, bufferSize, responses, senders);
    try {
      WatchFilter filter = scoped(filter(r));
      watcher.account(filter.accountId());
      // The key's slot first: reading a token's position queries the database, which a key at its limit calling
      // again and again (streams are not counted as calls in progress) would otherwise do without any bound.
      String keyId = Access.caller().keyId();
      Runnable slot = quota.acquire(keyId);
      OptionalLong resumeAfter;
      try {
        resumeAfter = resumePosition(r.getResumeToken());
      } catch (RuntimeException e) {
        slot.run();
        throw e;
      }
      WatchHub.Subscription[] subscription = new WatchHub.Subscription[1];
      AtomicReference<Runnable> forget = new AtomicReference<>();
      Runnable release = () -> {
        slot.run();
        Runnable f = forget.get(); // null only while being added, when nothing is to be forgotten yet
        if (f != null) {
          f.run();
        }
      };
      forget.set(byKey.add(keyId, () -> {
        // Ended first: a subscription made meanwhile sees the watcher ended (its lock orders the two) and undoes
        // itself; one made before is undone here.
        watcher.fail(Errors.of(Code.UNAUTHENTICATED, "API_KEY_REVOKED", "The API key of this watch was revoked;"
            + " the stream ended. Watch with a live key."));
        hub.unsubscribe(subscription[0]);
        release.run();
      }));
      watcher.onEnd(release);
      observer.setOnCancelHandler(() -> {
        hub.unsubscribe(subscription[0]);
        release.run();
      });
      subscription[0] = hub.subscribe(filter, watcher, resumeAfter);
      if (subscription[0] != null) {
        watcher.onRoom(subscription[0]::wake);
        subscription[0].wake(); // in case the client made room before onRoom was set
      }
      if (observer.isCancelled() || watcher.ended()) {
        hub.unsubscribe(subscription[0]);
        release.run();
      }
    } catch (StatusRuntimeException e) {
      watcher.fail(e);
    } catch (RuntimeException e) {
      watcher.fail(Rpc.failed(e));
    }
  }

  /** An account key watches its own account: an empty account_id means it; another account is refused. */
  private static WatchFilter scoped(WatchFilter f) {
    if (f.accountId() == null && !Access.caller().isAdmin()) {
      return new WatchFilter(Access.caller().accountId(), f.webhookIds(), f.eventTypes(), f.statuses());
    }
    if (f.accountId() != null) {
      Access.requireAccount(f.accountId());
    }
    return f;
  }

  private static WatchFilter filter(WatchDeliveriesRequest r) {
    Violations v = new Violations();
    String accountId = r.getAccountId().isEmpty() ? null : Fields.accountId("account_id", r.getAccountId(), v);
    Set<String> webhookIds = new HashSet<>();
    if (r.getWebhookIdsCount() > MAX_FILTER_VALUES) {
      v.add("webhook_ids", "must have at most " + MAX_FILTER_VALUES + " entries");
    }
    for (int i = 0; i < r.getWebhookIdsCount() && i < MAX_FILTER_VALUES; i++) {
      webhookIds.add(Fields.resourceId("webhook_ids[" + i + "]", r.getWebhookIds(i), "wh_", v));
    }
    Set<String> types = new HashSet<>();
    if (r.getEventTypesCount() > MAX_FILTER_VALUES) {
      v.add("event_types", "must have at most " + MAX_FILTER_VALUES + " entries");
    }
    for (int i = 0; i < r.getEventTypesCount() && i < MAX_FILTER_VALUES; i++) {
      if (!EventCatalog.contains(r.getEventTypes(i))) {
        v.add("event_types[" + i + "]", "is not an event type; use one of " + String.join(", ", EventCatalog.all().keySet()));
      }
      types.add(r.getEventTypes(i));
    }
    Set<DeliveryStatus> statuses = new HashSet<>(Fields.statuses(r.getStatusesList(), v));
    v.throwIfAny();
    return new WatchFilter(accountId, webhookIds, types, statuses);
  }

  private OptionalLong resumePosition(String token) {
    if (token.isEmpty()) {
      return OptionalLong.empty();
    }
    OptionalLong id = tokens.parse(token);
    if (id.isEmpty() && ResumeTokens.isLegacy(token)) {
      throw Errors.of(Code.OUT_OF_RANGE, "RESUME_TOKEN_EXPIRED", "The resume_token was issued before this server"
          + " sealed its tokens and cannot be resumed; start a new watch without a token and read missed deliveries"
          + " with ListDeliveries.");
    }
    if (id.isEmpty()) {
      throw Errors.invalid(com.google.rpc.BadRequest.newBuilder().addFieldViolations(
          com.google.rpc.BadRequest.FieldViolation.newBuilder().setField("resume_token").setDescription(
              "is not a token this stream sent; pass a resume_token from a WatchDeliveriesResponse unchanged, or none to start live"))
          .build());
    }
    WatchHub.Resumable range = hub.resumable();
    if (id.getAsLong() > range.last()) {
      throw Errors.invalid(com.google.rpc.BadRequest.newBuilder().addFieldViolations(
          com.google.rpc.BadRequest.FieldViolation.newBuilder().setField("resume_token").setDescription(
              "points past the newest update; it was not issued by this service's database")).build());
    }
    if (id.getAsLong() < range.prunedThrough()) {
      throw Errors.of(Code.OUT_OF_RANGE, "RESUME_TOKEN_EXPIRED", "The resume_token is older than the " + changeLogDays
          + " days of updates kept; start a new watch without a token and read missed deliveries with ListDeliveries.");
    }
    return id;
  }
}
