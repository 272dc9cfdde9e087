package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Review finding: an attempt's outcome keeps its whole job, event data included, while it waits in the result
 * writer's queue (up to {@link ResultWriter#MAX_QUEUED}, bounded by count only): 20,000 outcomes of distinct 64 KiB
 * events hold 1.25 GiB or more, beyond the dispatcher's 32 Mi-character budget. Nothing after the attempt reads the
 * data, so the outcome should not hold it.
 */
class OutcomeDataTest {
  @Test
  void anOutcomeHandedToTheResultWriterHoldsNoEventData() throws Exception {
    SecretBox box = SecretBox.random();
    List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    try (HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(5), 4)) {
      Dispatcher d = new Dispatcher(sender, outcomes::add, new DeliveryEngine.Settings(4, 1, 4, 100,
          DeliveryEngine.Settings.MAX_QUEUED_CHARS, Duration.ofSeconds(60), Duration.ofMillis(200),
          Duration.ofSeconds(5), true));
      String data = "{\"pad\":\"" + "x".repeat(60_000) + "\"}";
      // Port 9 on loopback refuses at once: the attempt ends with an error and its outcome goes to the writer.
      assertThat(d.offer(List.of(new DeliveryJob("dlv_1", "wh_1", "a", "http://127.0.0.1:9/", box.seal("whsec_x"),
          null, "signal.buy", Instant.now(), data, 1, 3, 1000, 1000)))).isEmpty();
      await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.size() == 1);
      assertThat(outcomes.get(0).job().deliveryId()).isEqualTo("dlv_1");
      assertThat(outcomes.get(0).job().dataJson()).as("event data kept by a queued outcome").isNull();
    }
  }
}
