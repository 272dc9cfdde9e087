package com.apindicators.webhooks.server.registry;

import java.util.List;

/** The validated fields of a webhook to create. */
public record NewWebhook(
    String accountId, String name, String url, List<String> events, RetrySettings retry, EventFilter filter,
    DisablePolicy disablePolicy) {}
