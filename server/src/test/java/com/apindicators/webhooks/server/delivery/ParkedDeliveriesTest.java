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
      assertThat(park(parked, job("flood", "f" + i, "wh_f"), 0)).isTrue();
    }
    park(parked, job("quiet", "q0", "wh_q"), 0);
    park(parked, job("quiet", "q1", "wh_q"), 0);

    List<String> first = ids(parked.take(4, Set.of()));

    assertThat(first).containsExactly("f0", "q0", "f1", "q1");
    assertThat(ids(parked.take(3, Set.of()))).containsExactly("f2", "f3", "f4");
    assertThat(parked.size()).isEqualTo(495);
  }

  @Test
  void oneAccountParksAtMostItsShareAndAllTogetherAtMostTheBound() {
    ParkedDeliveries parked = new ParkedDeliveries(6, 4, Long.MAX_VALUE, 10 * SECOND);
    for (int i = 0; i < 4; i++) {
      assertThat(park(parked, job("a", "a" + i, "wh"), 0)).isTrue();
    }
    assertThat(park(parked, job("a", "a4", "wh"), 0)).as("over the account's share").isFalse();
    assertThat(park(parked, job("b", "b0", "wh"), 0)).isTrue();
    assertThat(park(parked, job("b", "b1", "wh"), 0)).isTrue();
    assertThat(park(parked, job("c", "c0", "wh"), 0)).as("over the bound").isFalse();
    assertThat(parked.size()).isEqualTo(6);
    assertThat(parked.parkedTotal()).isEqualTo(6);
  }

  @Test
  void deliveriesOfFullLanesAreGivenBackNotLoaded() {
    ParkedDeliveries parked = new ParkedDeliveries(100, 100, Long.MAX_VALUE, 10 * SECOND);
    park(parked, job("a", "hang0", "wh_hang"), 0);
    park(parked, job("a", "fast0", "wh_fast"), 0);
    park(parked, job("a", "hang1", "wh_hang"), 0);
    park(parked, job("a", "fast1", "wh_fast"), 0);

    ParkedDeliveries.Taken taken = parked.take(10, Set.of("wh_hang"));

    assertThat(ids(taken)).containsExactly("fast0", "fast1");
    assertThat(taken.release()).containsExactly("hang0", "hang1");
    assertThat(parked.size()).isZero();
  }

  @Test
  void whatWaitedTooLongIsGivenBackAndEachKeepsItsLeaseTime() {
    ParkedDeliveries parked = new ParkedDeliveries(100, 100, Long.MAX_VALUE, 10 * SECOND);
    park(parked, job("a", "old", "wh"), 0);
    park(parked, job("a", "new", "wh"), 8 * SECOND);
    park(parked, job("b", "b-old", "wh"), SECOND);

    assertThat(parked.expired(11 * SECOND + 1)).containsExactlyInAnyOrder("old", "b-old");
    assertThat(parked.size()).isEqualTo(1);

    park(parked, job("b", "b-new", "wh"), 9 * SECOND);
    ParkedDeliveries.Taken taken = parked.take(10, Set.of());
    assertThat(taken.load()).extracting(ParkedDeliveries.Parked::leasedAtNanos).containsExactly(8 * SECOND, 9 * SECOND);
  }

  @Test
  void closingGivesEverythingBackAndParksNothingMore() {
    ParkedDeliveries parked = new ParkedDeliveries(100, 100, Long.MAX_VALUE, 10 * SECOND);
    park(parked, job("a", "a0", "wh"), 0);
    park(parked, job("b", "b0", "wh"), 0);

    assertThat(parked.close()).containsExactlyInAnyOrder("a0", "b0");
    assertThat(park(parked, job("a", "a1", "wh"), 0)).isFalse();
    assertThat(parked.take(10, Set.of()).load()).isEmpty();
    assertThat(parked.size()).isZero();
  }

  @Test
  void eventDataIsBoundedAndAParkedWebhookDeletedIsForgotten() {
    ParkedDeliveries parked = new ParkedDeliveries(100, 100, 16, 10 * SECOND);
    assertThat(park(parked, job("a", "a0", "wh_a", "{\"n\":1}"), 0)).isTrue();
    assertThat(park(parked, job("a", "a1", "wh_b", "{\"n\":2}"), 0)).as("7 + 7 characters: over a's 12").isFalse();
    assertThat(park(parked, job("b", "b0", "wh_b", "{\"n\":3}"), 0)).isTrue();
    assertThat(park(parked, job("c", "c0", "wh_c", "[1]"), 0)).as("7 + 7 + 3 characters: over all 16").isFalse();
    assertThat(parked.webhookIds()).containsExactlyInAnyOrder("wh_a", "wh_b");

    parked.dropWebhook("wh_a");

    assertThat(parked.webhookIds()).containsExactly("wh_b");
    assertThat(park(parked, job("a", "a1", "wh_b", "{\"n\":2}"), 0)).as("the dropped one's no longer counts").isTrue();
    assertThat(ids(parked.take(10, Set.of()))).containsExactly("b0", "a1");
  }

  @Test
  void whatIsAdmittedIsNotTakenBeforeItIsOpenedAndAStopGivesItBack() {
    ParkedDeliveries parked = new ParkedDeliveries(100, 100, Long.MAX_VALUE, 10 * SECOND);
    List<ParkedDeliveries.Parked> batch = parked.admit(List.of(job("a", "a0", "wh"), job("a", "a1", "wh")), 0);
    assertThat(parked.take(10, Set.of()).load()).as("its creation is not queued yet").isEmpty();
    assertThat(parked.size()).isEqualTo(2);
    parked.open(batch);
    assertThat(ids(parked.take(1, Set.of()))).containsExactly("a0");

    List<ParkedDeliveries.Parked> late = parked.admit(List.of(job("b", "b0", "wh")), 0);
    assertThat(parked.close()).containsExactly("a1");
    assertThat(parked.open(late)).as("given back once its creation is queued, never sent")
        .extracting(DeliveryJob::deliveryId).containsExactly("b0");
    assertThat(parked.take(10, Set.of()).load()).isEmpty();
    assertThat(parked.size()).isZero();
    assertThat(parked.admit(List.of(job("c", "c0", "wh")), 0)).isEmpty();
  }

  /** Parks one job, as the engine does: admitted, then opened once its creation is queued; false if not admitted. */
  private static boolean park(ParkedDeliveries parked, DeliveryJob job, long leasedAt) {
    List<ParkedDeliveries.Parked> batch = parked.admit(List.of(job), leasedAt);
    parked.open(batch);
    return !batch.isEmpty();
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
