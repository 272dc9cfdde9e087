package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Attempts that fail before any connection (a blocked or invalid URL) report on the thread that starts them, and
 * each end starts the next: ten thousand of them in a row are all reported and counted ended, where nesting a pump
 * per end overflowed the stack and left the rest neither sent nor counted.
 */
class ImmediateFailuresTest {
  private static final String SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
  private final SecretBox box = SecretBox.random();

  @Test
  void tenThousandAttemptsThatFailAtOnceAreAllReportedAndCounted() throws Exception {
    // Private targets not allowed: each attempt to 10.0.0.1 is refused before it connects, on this thread.
    try (HttpSender sender = new HttpSender(new TargetGuard(false), box, Duration.ofSeconds(10), 8)) {
      AtomicInteger outcomes = new AtomicInteger();
      // A queue of 80,000: one account's burst share (an eighth) takes all 10,000 at once.
      Dispatcher d = new Dispatcher(sender, o -> outcomes.incrementAndGet(), new DeliveryEngine.Settings(8, 4, 8,
          80_000, Long.MAX_VALUE, Duration.ofSeconds(120), Duration.ofMillis(200), Duration.ofSeconds(10), false));
      List<DeliveryJob> jobs = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        jobs.add(new DeliveryJob("dlv_" + i, "wh_" + (i % 100), "acct", "http://10.0.0.1/hook", box.seal(SECRET), null,
            "signal.buy", Instant.now(), "{}", 1, 1, 1000, 1000));
      }
      assertThat(d.offer(jobs)).isEmpty();
      assertThat(outcomes.get()).as("reported, all on this thread").isEqualTo(10_000);
      assertThat(d.inFlight()).isZero();
      assertThat(d.unprovenInFlight()).isZero();
      assertThat(d.queued()).isZero();
      assertThat(d.heldBy("acct")).isZero();
    }
  }
}
