package com.apindicators.webhooks.server.registry;

import java.util.List;

/** The validated new values of an update; a null field is left as it is. */
public record WebhookChange(
    String name, String url, List<String> events, Boolean enabled, RetrySettings retry, EventFilter filter,
    DisablePolicy disablePolicy) {}
