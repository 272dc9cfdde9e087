package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.registry.Account;
import com.apindicators.webhooks.server.registry.Plan;
import com.apindicators.webhooks.server.registry.Webhook;
import com.apindicators.webhooks.v1.RetryPolicy;
import com.apindicators.webhooks.v1.WebhookFilter;
import com.google.protobuf.Timestamp;
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
    return com.apindicators.webhooks.v1.Webhook.newBuilder()
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
        .build();
  }

  public static Timestamp timestamp(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  public static com.google.protobuf.Duration duration(Duration d) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }
}
