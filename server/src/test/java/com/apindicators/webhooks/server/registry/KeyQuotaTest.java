package com.apindicators.webhooks.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-key counter behind the watch and calls-in-flight limits: exact, and forgetting idle keys. */
class KeyQuotaTest {
  @Test
  void aKeyGetsItsLimitAndNoMoreAndAKeyHoldingNothingLeavesNoEntry() {
    KeyQuota quota = new KeyQuota(2);
    List<Runnable> releases = new ArrayList<>();
    for (int key = 0; key < 1000; key++) {
      releases.add(quota.tryAcquire("key" + key));
      releases.add(quota.tryAcquire("key" + key));
      assertThat(quota.tryAcquire("key" + key)).isNull();
    }
    assertThat(quota.total()).isEqualTo(2000);
    assertThat(quota.keys()).isEqualTo(1000);
    for (Runnable release : releases) {
      release.run();
      release.run(); // a second release of the same slot gives nothing back twice
    }
    assertThat(quota.total()).isZero();
    assertThat(quota.keys()).isZero();
    assertThat(quota.tryAcquire("key0")).isNotNull();
  }

  /** With a shared capacity a key holding some takes one more only while it holds fewer than are free. */
  @Test
  void withACapacityAKeyTakesAtMostHalfOfWhatOthersLeave() {
    KeyQuota quota = new KeyQuota(50, 100);
    int first = takeAll(quota, "first");
    assertThat(first).isEqualTo(50);
    int second = takeAll(quota, "second");
    assertThat(second).isEqualTo(25); // half of the 50 left
    int third = takeAll(quota, "third");
    assertThat(third).isEqualTo(13); // 12 left after it, fewer than it holds
    assertThat(quota.tryAcquire("fourth")).as("one holding none may always take one").isNotNull();
  }

  private static int takeAll(KeyQuota quota, String key) {
    int n = 0;
    while (quota.tryAcquire(key) != null) {
      n++;
    }
    return n;
  }
}
