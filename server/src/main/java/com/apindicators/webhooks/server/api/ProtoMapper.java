package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.delivery.Delivery;
import com.apindicators.webhooks.server.delivery.DeliveryAttempt;
import com.apindicators.webhooks.server.delivery.DeliveryStatus;
import com.apindicators.webhooks.server.events.PublishedEvent;
import com.apindicators.webhooks.server.registry.Account;
import com.apindicators.webhooks.server.registry.Plan;
import com.apindicators.webhooks.server.registry.Webhook;
import com.apindicators.webhooks.server.registry.WebhookHealth;
import com.apindicators.webhooks.server.delivery.DeliveryChange;
import com.apindicators.webhooks.v1.DisablePolicy;
import com.apindicators.webhooks.v1.RetryPolicy;
import com.apindicators.webhooks.v1.WebhookDisabled;
import com.apindicators.webhooks.v1.WebhookFilter;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import java.time.Duration;
import java.time.Instant;

/** Turns core values into their proto messages; the only place that knows both. */
public final class ProtoMapper {
  private ProtoMapper() {}

  public static com.apindicators.webhooks.v1.Account account(Account a) {
    var b = com.apindicators.webhooks.v1.Account.newBuilder()
        .setAccountId(a.accountId()).setPlan(plan(a.plan())).setWebhookCount(a.webhookCount());
    a.plan().webhookLimit().ifPresentOrElse(b::setWebhookLimit, () -> b.setUnlimited(true));
    return b.build();
  }

  public static com.apindicators.webhooks.v1.Plan plan(Plan p) {
    return com.apindicators.webhooks.v1.Plan.valueOf("PLAN_" + p.name());
  }

  /** The core plan, or null for PLAN_UNSPECIFIED or an unknown number. */
  public static Plan plan(com.apindicators.webhooks.v1.Plan p) {
    if (p == com.apindicators.webhooks.v1.Plan.PLAN_UNSPECIFIED || p == com.apindicators.webhooks.v1.Plan.UNRECOGNIZED) {
      return null;
    }
    return Plan.valueOf(p.name().substring("PLAN_".length()));
  }

  public static com.apindicators.webhooks.v1.Webhook webhook(Webhook w) {
    var b = com.apindicators.webhooks.v1.Webhook.newBuilder()
        .setWebhookId(w.webhookId())
        .setAccountId(w.accountId())
        .setName(w.name())
        .setUrl(w.url())
        .addAllEvents(w.events())
        .setEnabled(w.enabled())
        .setSecretHint(w.secretHint())
        .setCreateTime(timestamp(w.createTime()))
        .setUpdateTime(timestamp(w.updateTime()))
        .setRetryPolicy(RetryPolicy.newBuilder()
            .setMaxAttempts(w.retry().maxAttempts())
            .setInitialBackoff(duration(w.retry().initialBackoff()))
            .setMaxBackoff(duration(w.retry().maxBackoff())))
        .setFilter(WebhookFilter.newBuilder()
            .addAllPairs(w.filter().pairs())
            .addAllIntervals(w.filter().intervals())
            .setMinScore(w.filter().minScore()))
        .setDisabledReason(w.disabledReason())
        .setHealth(health(w.health()));
    if (w.disablePolicy().afterFailingFor() != null) {
      b.setDisablePolicy(DisablePolicy.newBuilder().setAfterFailingFor(duration(w.disablePolicy().afterFailingFor())));
    } else if (w.disablePolicy().afterConsecutiveFailures() > 0) {
      b.setDisablePolicy(DisablePolicy.newBuilder().setAfterConsecutiveFailures(w.disablePolicy().afterConsecutiveFailures()));
    }
    if (w.disabledTime() != null) {
      b.setDisabledTime(timestamp(w.disabledTime()));
    }
    return b.build();
  }

  static com.apindicators.webhooks.v1.WebhookHealth health(WebhookHealth h) {
    var b = com.apindicators.webhooks.v1.WebhookHealth.newBuilder()
        .setRecentAttempts(h.recentAttempts())
        .setSuccessRate(h.successRate())
        .setP50Duration(duration(Duration.ofMillis(h.p50Ms())))
        .setP99Duration(duration(Duration.ofMillis(h.p99Ms())))
        .setConsecutiveFailures(h.consecutiveFailures());
    if (h.lastStatus() != null) {
      b.setLastDeliveryStatus(com.apindicators.webhooks.v1.DeliveryStatus.valueOf("DELIVERY_STATUS_" + h.lastStatus()));
    }
    if (h.lastTime() != null) {
      b.setLastDeliveryTime(timestamp(h.lastTime()));
    }
    if (h.failingSince() != null) {
      b.setFailingSinceTime(timestamp(h.failingSince()));
    }
    return b.build();
  }

  static WebhookDisabled webhookDisabled(String webhookId, DeliveryChange.WebhookDisabled d) {
    var b = WebhookDisabled.newBuilder().setWebhookId(webhookId).setDisabledReason(d.reason());
    if (d.time() != null) {
      b.setDisabledTime(timestamp(d.time()));
    }
    return b.build();
  }

  public static com.apindicators.webhooks.v1.Event event(PublishedEvent e) {
    Struct.Builder data = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(e.dataJson(), data);
    } catch (InvalidProtocolBufferException ex) {
      throw new IllegalStateException("stored event data is not JSON: " + e.eventId(), ex);
    }
    return com.apindicators.webhooks.v1.Event.newBuilder()
        .setEventId(e.eventId())
        .setType(e.type())
        .setAccountId(e.accountId() == null ? "" : e.accountId())
        .setTimestamp(timestamp(e.timestamp()))
        .setData(data)
        .setDataJson(e.dataJson())
        .build();
  }

  public static com.apindicators.webhooks.v1.DeliveryAttempt attempt(DeliveryAttempt a) {
    return com.apindicators.webhooks.v1.DeliveryAttempt.newBuilder()
        .setAttempt(a.attempt())
        .setStartTime(timestamp(a.startTime()))
        .setDuration(duration(Duration.ofMillis(a.durationMs())))
        .setResponseCode(a.responseCode())
        .setResponseBody(a.responseBody())
        .setError(a.error())
        .build();
  }

  public static com.apindicators.webhooks.v1.Delivery delivery(Delivery d) {
    var b = com.apindicators.webhooks.v1.Delivery.newBuilder()
        .setDeliveryId(d.deliveryId())
        .setWebhookId(d.webhookId())
        .setAccountId(d.accountId())
        .setEventId(d.eventId())
        .setEventType(d.eventType())
        .setUrl(d.url())
        .setStatus(com.apindicators.webhooks.v1.DeliveryStatus.valueOf("DELIVERY_STATUS_" + d.status().name()))
        .setResponseCode(d.responseCode())
        .setResponseBody(d.responseBody())
        .setError(d.error())
        .setAttemptCount(d.attemptCount())
        .setDuration(duration(java.time.Duration.ofMillis(d.durationMs())))
        .setCreateTime(timestamp(d.createTime()));
    if (d.completeTime() != null) {
      b.setCompleteTime(timestamp(d.completeTime()));
    }
    if (d.nextAttemptTime() != null && d.status() == DeliveryStatus.PENDING) {
      b.setNextAttemptTime(timestamp(d.nextAttemptTime()));
    }
    return b.build();
  }

  /** The core status, or null for UNSPECIFIED or an unknown number. */
  public static DeliveryStatus status(com.apindicators.webhooks.v1.DeliveryStatus s) {
    return switch (s) {
      case DELIVERY_STATUS_PENDING -> DeliveryStatus.PENDING;
      case DELIVERY_STATUS_DELIVERED -> DeliveryStatus.DELIVERED;
      case DELIVERY_STATUS_FAILED -> DeliveryStatus.FAILED;
      default -> null;
    };
  }

  public static Timestamp timestamp(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  public static com.google.protobuf.Duration duration(Duration d) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }
}
