package com.apindicators.webhooks.server.registry;

import java.util.OptionalInt;

/** A subscription plan and the number of webhooks it allows. */
public enum Plan {
  FREE("Free", 0),
  STARTER("Starter", 3),
  PRO("Pro", 10),
  BUSINESS("Business", -1);

  private final String displayName;
  private final int webhookLimit;

  Plan(String displayName, int webhookLimit) {
    this.displayName = displayName;
    this.webhookLimit = webhookLimit;
  }

  /** The plan's name as our docs spell it. */
  public String displayName() {
    return displayName;
  }

  /** The maximum number of webhooks, or empty when unlimited. */
  public OptionalInt webhookLimit() {
    return webhookLimit < 0 ? OptionalInt.empty() : OptionalInt.of(webhookLimit);
  }
}
