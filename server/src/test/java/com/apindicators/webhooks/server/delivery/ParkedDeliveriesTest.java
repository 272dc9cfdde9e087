package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ParkedDeliveriesTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void accountsTakeTurnsSoAFloodDoesNotPushAnotherAccountBehindIt() {
    ParkedDeliveries parked = new ParkedDeliveries(1_000, 1_000, Long.MAX_VALUE, 10 * SECOND);
    for (int i = 0; i < 500; i++) {
      assertThat(parked.park(job("flood", "f" + i, "wh_f"), 0)).isTrue();
    }
    parked.park(job("quiet", "q0", "wh_q"), 0);
    parked.park(job("quiet", "q1", "wh_q"), 0);

    List<String> first = ids(parked.take(4, Set.of()));

    assertThat(first).containsExactly("f0", "q0", "f1", "q1");
    assertThat(ids(parked.take(3, Set.of()))).containsExactly("f2", "f3", "f4");
    assertThat(parked.size()).isEqualTo(495);
  }

  @Test
  void oneAccountParksAtMostItsShareAndAllTogetherAtMostTheBound() {
    ParkedDeliveries parked = new ParkedDeliveries(6, 4, Long.MAX_VALUE, 10 * SECOND);
    for (int i = 0; i < 4; i++) {
      assertThat(parked.park(job("a", "a" + i, "wh"), 0)).isTrue();
    }
    assertThat(parked.park(job("a", "a4", "wh"), 0)).as("over the account's share").isFalse();
    assertThat(parked.park(job("b", "b0", "wh"), 0)).isTrue();
    assertThat(parked.park(job("b", "b1", "wh"), 0)).isTrue();
    assertThat(parked.park(job("c", "c0", "wh"), 0)).as("over the bound").isFalse();
    assertThat(parked.size()).isEqualTo(6);
    assertThat(parked.parkedTotal()).isEqualTo(6);
  }

  @Test
  void deliveriesOfFullLanesAreGivenBackNotLoaded() {
    ParkedDeliveries parked = new ParkedDeliveries(100, 100, Long.MAX_VALUE, 10 * SECOND);
    parked.park(job("a", "hang0", "wh_hang"), 0);
    parked.park(job("a", "fast0", "wh_fast"), 0);
    parked.park(job("a", "hang1", "wh_hang"), 0);
    parked.park(job("a", "fast1", "wh_fast"), 0);

    ParkedDeliveries.Taken taken = parked.take(10, Set.of("wh_hang"));

    assertThat(ids(taken)).containsExactly("fast0", "fast1");
    assertThat(taken.release()).containsExactly("hang0", "hang1");
    assertThat(parked.size()).isZero();
  }

  @Test
  void whatWaitedTooLongIsGivenBackAndTheOldestLeaseBoundsTheStart() {
    ParkedDeliveries parked = new ParkedDeliveries(100, 100, Long.MAX_VALUE, 10 * SECOND);
    parked.park(job("a", "old", "wh"), 0);
    parked.park(job("a", "new", "wh"), 8 * SECOND);
    parked.park(job("b", "b-old", "wh"), SECOND);

    assertThat(parked.expired(11 * SECOND + 1)).containsExactlyInAnyOrder("old", "b-old");
    assertThat(parked.size()).isEqualTo(1);

    parked.park(job("b", "b-new", "wh"), 9 * SECOND);
    ParkedDeliveries.Taken taken = parked.take(10, Set.of());
    assertThat(taken.oldestLeaseNanos(12 * SECOND)).isEqualTo(8 * SECOND);
    assertThat(new ParkedDeliveries.Taken(List.of(), List.of()).oldestLeaseNanos(12 * SECOND)).isEqualTo(12 * SECOND);
  }

  @Test
  void closingGivesEverythingBackAndParksNothingMore() {
    ParkedDeliveries parked = new ParkedDeliveries(100, 100, Long.MAX_VALUE, 10 * SECOND);
    parked.park(job("a", "a0", "wh"), 0);
    parked.park(job("b", "b0", "wh"), 0);

    assertThat(parked.close()).containsExactlyInAnyOrder("a0", "b0");
    assertThat(parked.park(job("a", "a1", "wh"), 0)).isFalse();
    assertThat(parked.take(10, Set.of()).load()).isEmpty();
    assertThat(parked.size()).isZero();
  }

  @Test
  void eventDataIsBoundedAndAParkedWebhookDeletedIsForgotten() {
    ParkedDeliveries parked = new ParkedDeliveries(100, 100, 10, 10 * SECOND);
    assertThat(parked.park(job("a", "a0", "wh_a", "{\"n\":1}"), 0)).isTrue();
    assertThat(parked.park(job("a", "a1", "wh_b", "{\"n\":2}"), 0)).as("7 + 7 characters over 10").isFalse();
    assertThat(parked.park(job("b", "b0", "wh_b", "{}"), 0)).isTrue();
    assertThat(parked.webhookIds()).containsExactlyInAnyOrder("wh_a", "wh_b");

    parked.dropWebhook("wh_a");

    assertThat(parked.webhookIds()).containsExactly("wh_b");
    assertThat(parked.park(job("a", "a1", "wh_b", "{\"n\":2}"), 0)).as("the dropped one's data no longer counts").isTrue();
    assertThat(ids(parked.take(10, Set.of()))).containsExactly("b0", "a1");
  }

  private static DeliveryJob job(String account, String id, String webhook) {
    return job(account, id, webhook, "{}");
  }

  private static DeliveryJob job(String account, String id, String webhook, String data) {
    return new DeliveryJob(id, webhook, account, "http://127.0.0.1:9/", "sealed", null, "signal.buy", Instant.now(),
        data, 1, 1, 1000, 1000);
  }

  private static List<String> ids(ParkedDeliveries.Taken taken) {
    return taken.load().stream().map(p -> p.job().deliveryId()).toList();
  }
}
