package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a publish is told of full lanes: only its own account's webhooks, and a bounded number of them, so another
 * account's many full lanes cannot make every publish carry (and compare against) a longer list.
 */
class FullWebhooksTest {
  @Test
  void aPublishIsToldOnlyItsOwnAccountsFullWebhooksAndAtMostTheCap() throws Exception {
    SecretBox box = SecretBox.random();
    try (HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(30), 1)) {
      // Nothing starts; each lane (floor 1) holds 2 and refuses the rest, remembering the refused webhooks (a queue of
      // 16 gives each account a burst share of 2, no more than its lane's).
      Dispatcher d = new Dispatcher(sender, o -> { }, new DeliveryEngine.Settings(0, 1, 1, 16, Long.MAX_VALUE,
          Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ofSeconds(30), true));
      d.offer(jobs("small", 5));
      d.offer(jobs("big", Dispatcher.MAX_FULL_NAMED + 500));

      assertThat(d.fullWebhooks("small")).containsExactlyInAnyOrder("small_wh_2", "small_wh_3", "small_wh_4");
      assertThat(d.fullWebhooks("big")).hasSize(Dispatcher.MAX_FULL_NAMED).allMatch(w -> w.startsWith("big_"));
      assertThat(d.fullWebhooks("nobody")).isEmpty();
      // The poller's claim (every account's) is bounded the same way.
      assertThat(d.fullWebhooks(null)).hasSize(Dispatcher.MAX_FULL_NAMED);
      d.stopAccepting();
    }
  }

  private static List<DeliveryJob> jobs(String account, int n) {
    List<DeliveryJob> jobs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // Remembered per lane up to 1,000 webhooks: spread a big account over two endpoints.
      String url = "http://127.0.0.1:" + (n > 1000 ? 9 + i % 2 : 9) + "/" + account;
      jobs.add(new DeliveryJob(account + "_dlv_" + i, account + "_wh_" + i, account, url, "sealed", null,
          "signal.buy", Instant.now(), "{}", 1, 1, 1000, 1000));
    }
    return jobs;
  }
}
