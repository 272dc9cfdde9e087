package com.apindicators.webhooks.server.registry;

/** Creating one more webhook would exceed the account's plan. */
public final class PlanLimitReachedException extends Exception {
  private final Plan plan;
  private final int limit;

  public PlanLimitReachedException(Plan plan, int limit) {
    super("The " + plan.displayName() + " plan allows " + limit + " webhook" + (limit == 1 ? "" : "s")
        + " and this account has reached that limit; upgrade the plan (Starter 3, Pro 10, Business unlimited)"
        + " or delete a webhook to create another.");
    this.plan = plan;
    this.limit = limit;
  }

  public Plan plan() {
    return plan;
  }

  public int limit() {
    return limit;
  }
}
