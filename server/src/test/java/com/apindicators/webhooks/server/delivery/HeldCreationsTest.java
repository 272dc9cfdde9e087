package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which creations the result writer holds for their outcome, and when it lets them go. */
class HeldCreationsTest {
  private static ResultWriter.Item created(String id, boolean release) {
    return new ResultWriter.Item(null, id, release, null, System.nanoTime());
  }

  private static ResultWriter.Item outcome(String id) {
    return new ResultWriter.Item(OneWebhook.delivered(OneWebhook.job(id), ""), null, false, null, System.nanoTime());
  }

  private static ResultWriter.Item releasing(String id) {
    return new ResultWriter.Item(null, null, false, id, System.nanoTime());
  }

  private static List<String> names(List<ResultWriter.Item> batch) {
    return batch.stream().map(i -> i.outcome() != null ? "outcome " + i.outcome().job().deliveryId()
        : i.createdId() != null ? "created " + i.createdId() : "release " + i.releasedId()).toList();
  }

  @Test
  void holdsTheCreationsOfDeliveriesBeingSentUntilTheirOutcomeComesThenPutsThemFirst() {
    HeldCreations held = new HeldCreations(Duration.ofSeconds(30), 100);
    // a and b are being sent; c was released at once (the writer releases its lease): not held.
    assertThat(names(held.next(List.of(created("a", false), created("b", false), created("c", true)), 1000, false)))
        .containsExactly("created c");
    assertThat(held.size()).isEqualTo(2);
    assertThat(names(held.next(List.of(outcome("b")), 1000, false))).containsExactly("created b", "outcome b");
    // A creation and its outcome taken together are written together.
    assertThat(names(held.next(List.of(created("d", false), outcome("d")), 1000, false)))
        .containsExactly("created d", "outcome d");
    assertThat(held.size()).isEqualTo(1);
  }

  @Test
  void aLeaseReleaseTakesItsCreationAlongFirst() {
    HeldCreations held = new HeldCreations(Duration.ofSeconds(30), 100);
    held.next(List.of(created("a", false)), 1000, false);
    assertThat(names(held.next(List.of(releasing("a")), 1000, false))).containsExactly("created a", "release a");
    assertThat(held.isEmpty()).isTrue();
  }

  @Test
  void aCreationWhoseWaitIsOverGoesAloneOldestFirstWithinTheBatchSize() throws Exception {
    HeldCreations held = new HeldCreations(Duration.ofMillis(50), 100);
    held.next(List.of(created("a", false), created("b", false), created("c", false)), 1000, false);
    assertThat(held.nanosUntilDue(System.nanoTime())).isPositive();
    Thread.sleep(60);
    assertThat(held.nanosUntilDue(System.nanoTime())).isNotPositive();
    assertThat(names(held.next(List.of(), 2, false))).containsExactly("created a", "created b");
    assertThat(names(held.next(List.of(), 2, false))).containsExactly("created c");
    assertThat(held.nanosUntilDue(System.nanoTime())).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void holdsNoMoreThanItsCapacityAndNothingWhenClosing() {
    HeldCreations held = new HeldCreations(Duration.ofSeconds(30), 2);
    assertThat(names(held.next(List.of(created("a", false), created("b", false), created("c", false)), 1000, false)))
        .as("the third is written at once").containsExactly("created c");
    assertThat(names(held.next(List.of(created("d", false)), 1000, true)))
        .as("closing: everything held, then what came").containsExactly("created a", "created b", "created d");
    assertThat(held.isEmpty()).isTrue();
  }

  @Test
  void closingLetsEverythingGoInBatchesOfTheBatchSize() {
    HeldCreations held = new HeldCreations(Duration.ofSeconds(30), 100);
    held.next(List.of(created("a", false), created("b", false), created("c", false)), 1000, false);
    assertThat(names(held.next(List.of(created("d", false)), 2, true))).containsExactly("created a", "created b",
        "created d");
    assertThat(names(held.next(List.of(), 2, true))).containsExactly("created c");
    assertThat(held.isEmpty()).isTrue();
  }

  @Test
  void aCreationWaitsAtMostAQuarterOfAShortLease() {
    assertThat(ResultWriter.creationWait(Duration.ofSeconds(120))).isEqualTo(ResultWriter.CREATION_WAIT);
    assertThat(ResultWriter.creationWait(Duration.ofSeconds(2))).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void aRepeatedCreationIsNotLostBehindTheOneHeld() {
    HeldCreations held = new HeldCreations(Duration.ofSeconds(30), 100);
    held.next(List.of(created("a", false)), 1000, false);
    assertThat(names(held.next(List.of(created("a", false)), 1000, false))).containsExactly("created a");
    assertThat(held.size()).isEqualTo(1);
  }
}
