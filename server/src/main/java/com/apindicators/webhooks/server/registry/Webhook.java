package com.apindicators.webhooks.server.registry;

import java.time.Instant;
import java.util.List;

/** A registered endpoint, without its signing secret; disabledTime is null while enabled. */
public record Webhook(
    String webhookId,
    String accountId,
    String name,
    String url,
    List<String> events,
    boolean enabled,
    String secretHint,
    Instant createTime,
    Instant updateTime,
    RetrySettings retry,
    EventFilter filter,
    DisablePolicy disablePolicy,
    String disabledReason,
    Instant disabledTime,
    WebhookHealth health) {}
