package com.apindicators.webhooks.server.delivery;

import com.apindicators.webhooks.server.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import org.jdbi.v3.core.Jdbi;

/** The rows the result writer's tests start from: account {@code acct}, webhook {@code wh_1}, event {@code evt_1}. */
final class OneWebhook {
  private OneWebhook() {}

  /** Empties the shared database and makes the account, the webhook and the event. */
  static Jdbi clean() {
    Jdbi jdbi = TestDatabase.clean().jdbi();
    jdbi.useHandle(h -> {
      h.execute("INSERT INTO accounts (account_id) VALUES ('acct')");
      h.execute("""
          INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)
          VALUES ('wh_1', 'acct', 'hook', 'http://127.0.0.1:9/', '{signal.buy}', 'x', 'x')
          """);
      h.execute("INSERT INTO events (event_id, type, event_time, data_json) VALUES ('evt_1', 'signal.buy', now(), '{}')");
    });
    return jdbi;
  }

  /** The first attempt of a delivery of {@code evt_1} to {@code wh_1}. */
  static DeliveryJob job(String deliveryId) {
    return new DeliveryJob(deliveryId, "wh_1", "acct", "http://127.0.0.1:9/", "x", null, "signal.buy", Instant.now(),
        "{}", 1, 2, 1000, 60000);
  }

  /** That attempt answered 200 {@code body} in 5 ms. */
  static Outcome delivered(DeliveryJob job, String body) {
    return Outcome.of(job, new AttemptResult(Instant.now(), Duration.ofMillis(5), 200, body, "", null));
  }
}
