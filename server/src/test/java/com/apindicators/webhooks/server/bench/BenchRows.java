package com.apindicators.webhooks.server.bench;

import org.jdbi.v3.core.Handle;

/** Rows the database benchmarks start from, written straight into the tables. */
final class BenchRows {
  static final String ACCOUNT = "acct";

  private BenchRows() {}

  /**
   * Account {@link #ACCOUNT} with webhooks {@code wh_0}..{@code wh_<n-1>} subscribed to {@code signal.buy} (secrets
   * not sealed: nothing is sent), and each webhook's health row when this build's schema has that table.
   */
  static void accountWithWebhooks(Handle h, int webhooks) {
    h.execute("INSERT INTO accounts (account_id) VALUES ('" + ACCOUNT + "')");
    h.createUpdate("""
        INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)
        SELECT 'wh_' || i, :account, 'hook', 'http://127.0.0.1:9/', '{signal.buy}', 'x', 'x'
        FROM generate_series(0, :n - 1) i
        """).bind("account", ACCOUNT).bind("n", webhooks).execute();
    if (h.createQuery("SELECT to_regclass('webhook_health') IS NOT NULL").mapTo(Boolean.class).one()) {
      h.execute("INSERT INTO webhook_health (webhook_id) SELECT webhook_id FROM webhooks");
    }
  }
}
