package com.apindicators.webhooks.server.registry;

import org.jdbi.v3.core.Jdbi;

/** Reads accounts and sets their plans; an account never given a plan is on Free. */
public final class Accounts {
  private final Jdbi jdbi;

  public Accounts(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** The account, on Free with no webhooks if never seen. */
  public Account get(String accountId) {
    return jdbi.withHandle(h -> {
      Plan plan = h.attach(AccountDao.class).findPlan(accountId).map(Plan::valueOf).orElse(Plan.FREE);
      return new Account(accountId, plan, h.attach(WebhookDao.class).countByAccount(accountId));
    });
  }

  /** Sets the plan, creating the account if new; existing webhooks stay even when above the new limit. */
  public Account setPlan(String accountId, Plan plan) {
    jdbi.useHandle(h -> h.attach(AccountDao.class).upsertPlan(accountId, plan.name()));
    return get(accountId);
  }
}
