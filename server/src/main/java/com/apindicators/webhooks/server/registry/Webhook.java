package com.apindicators.webhooks.server.registry;

import java.time.Instant;
import java.util.List;

/**
 * A registered endpoint, without its signing secret; disabledTime is null while enabled. beingDeleted: a delete of it
 * is in progress (or stopped without clearing its mark), so events skip it.
 */
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
    WebhookHealth health,
    boolean beingDeleted) {}
