package com.apindicators.webhooks.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The figures read from a health row's last attempts: nearest-rank percentiles and the share of 2xx. */
class WebhookHealthTest {
  @Test
  void percentilesAreNearestRankOverTheAttemptsInAnyOrder() {
    Integer[] ms = IntStream.rangeClosed(1, 100).map(i -> 101 - i).boxed().toArray(Integer[]::new);
    Boolean[] ok = IntStream.range(0, 100).mapToObj(i -> i % 4 != 0).toArray(Boolean[]::new);
    WebhookHealth h = WebhookHealth.of("DELIVERED", null, ok, ms, 0, null);
    assertThat(h.recentAttempts()).isEqualTo(100);
    assertThat(h.successRate()).isEqualTo(0.75);
    assertThat(h.p50Ms()).isEqualTo(50);
    assertThat(h.p99Ms()).isEqualTo(99);
  }

  @Test
  void oneAttemptIsItsOwnPercentilesAndNoneIsZero() {
    WebhookHealth one = WebhookHealth.of("FAILED", null, new Boolean[] {false}, new Integer[] {7}, 1, null);
    assertThat(one.p50Ms()).isEqualTo(7);
    assertThat(one.p99Ms()).isEqualTo(7);
    assertThat(one.successRate()).isZero();
    WebhookHealth none = WebhookHealth.of(null, null, new Boolean[0], new Integer[0], 0, null);
    assertThat(none).isEqualTo(WebhookHealth.NONE);
  }
}
