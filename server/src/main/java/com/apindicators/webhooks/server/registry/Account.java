package com.apindicators.webhooks.server.registry;

/** An account, its plan and how many webhooks it has. */
public record Account(String accountId, Plan plan, int webhookCount) {}
