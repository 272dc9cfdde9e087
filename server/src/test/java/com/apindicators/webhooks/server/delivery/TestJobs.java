package com.apindicators.webhooks.server.delivery;

import com.apindicators.webhooks.server.security.SecretBox;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Jobs of one account to one URL, as a claim would hand the dispatcher or the sender, for their tests. */
final class TestJobs {
  private static final String SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);

  private TestJobs() {
  }

  /** {@code n} jobs of {@code account} to {@code url}, each to its own webhook, with unique delivery ids. */
  static List<DeliveryJob> of(SecretBox box, String account, String url, int n) {
    List<DeliveryJob> jobs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      jobs.add(new DeliveryJob(account + "_dlv_" + i + "_" + System.nanoTime(), account + "_wh_" + i, account, url,
          box.seal(SECRET), null, "signal.buy", Instant.now(), "{}", 1, 1, 1000, 1000));
    }
    return jobs;
  }

  /** One job of account "acct", named after {@code host} (its delivery id), to {@code url}. */
  static DeliveryJob to(String host, String url, SecretBox box) {
    return to(host, "acct", url, box);
  }

  /** One job of {@code account}, named after {@code host} (its delivery id), to {@code url}. */
  static DeliveryJob to(String host, String account, String url, SecretBox box) {
    return new DeliveryJob("dlv_" + host, "wh_1", account, url, box.seal(SECRET), null, "signal.buy", Instant.now(),
        "{}", 1, 1, 1000, 1000);
  }

  /** Sends one attempt of {@code job} and waits for its result (the attempt's 10 s deadline, and some slack). */
  static AttemptResult attempt(HttpSender sender, DeliveryJob job) throws Exception {
    CompletableFuture<AttemptResult> result = new CompletableFuture<>();
    sender.send(job, result::complete);
    return result.get(15, TimeUnit.SECONDS);
  }
}
