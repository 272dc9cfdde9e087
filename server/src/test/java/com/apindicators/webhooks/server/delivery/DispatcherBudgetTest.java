package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.HangingEndpoint;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher's memory is bounded by the event data its waiting jobs hold, not only by their count: a tenant
 * publishing its largest events cannot make the jobs waiting in memory outgrow the heap.
 */
class DispatcherBudgetTest {
  private static final int DATA_CHARS = 30;

  @Test
  void jobsBeyondTheDataBudgetAreRefusedAndTheRoomOfferedShrinksWithTheirSize() throws Exception {
    SecretBox box = SecretBox.random();
    try (HangingEndpoint hanging = new HangingEndpoint();
        HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(30), 1)) {
      // No attempt may start, so every job taken waits (one per account's lane), within 100 chars in all.
      Dispatcher d = new Dispatcher(sender, o -> { }, new DeliveryEngine.Settings(0, 1, 1, 1000, 100,
          Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ofSeconds(30), true));
      String data = "{\"pad\":\"" + "x".repeat(DATA_CHARS - 10) + "\"}";
      assertThat(data).hasSize(DATA_CHARS);
      assertThat(d.freeCapacity(DATA_CHARS)).as("100 chars hold three of 30").isEqualTo(3);

      List<DeliveryJob> jobs = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        jobs.add(new DeliveryJob("dlv_" + i, "wh_" + i, "acct_" + i, hanging.url("/h"), box.seal("whsec_x"), null,
            "signal.buy", Instant.now(), data, 1, 1, 1000, 1000));
      }
      List<DeliveryJob> refused = d.offer(jobs);

      // Three wait (90 chars); a fourth would make 120.
      assertThat(refused).extracting(DeliveryJob::deliveryId)
          .containsExactly("dlv_3", "dlv_4", "dlv_5", "dlv_6", "dlv_7", "dlv_8", "dlv_9");
      assertThat(d.freeCapacity(DATA_CHARS)).isZero();
      assertThat(d.freeCapacity(5)).as("10 chars left: two jobs of 5").isEqualTo(2);
      assertThat(d.freeCapacity(0)).as("jobs of unknown size count a character at least").isEqualTo(10);
      // Given back, their data no longer counts.
      assertThat(d.stopAccepting()).hasSize(3);
      assertThat(d.offer(jobs.subList(3, 4))).as("refused while not accepting").hasSize(1);
      assertThat(d.freeCapacity(DATA_CHARS)).isZero();
    }
  }
}
