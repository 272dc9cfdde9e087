package com.apindicators.webhooks.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PublishRateTest {
  private final AtomicLong clock = new AtomicLong();
  private final PublishRate rate = new PublishRate(10, 2, clock::get);

  @Test
  void aBurstIsAllowedThenOnePerIntervalWithTheWaitUntilTheNext() {
    assertThat(rate.take("a")).isZero();
    assertThat(rate.take("a")).isZero();
    assertThat(rate.take("a")).isEqualTo(Duration.ofMillis(100));
    clock.addAndGet(Duration.ofMillis(60).toNanos());
    assertThat(rate.take("a")).isEqualTo(Duration.ofMillis(40));
    clock.addAndGet(Duration.ofMillis(40).toNanos());
    assertThat(rate.take("a")).isZero();
    assertThat(rate.take("b")).as("another account").isZero();
    assertThat(rate.take(null)).as("broadcasts").isZero();
    clock.addAndGet(Duration.ofHours(1).toNanos());
    assertThat(rate.take("a")).isZero();
    assertThat(rate.take("a")).isZero();
    assertThat(rate.take("a")).as("an idle hour earns no more than the burst").isPositive();
  }
}
