package com.apindicators.webhooks.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ServerStopTest {
  private static final Set<String> WORKERS = Set.of("delivery-poller", "delivery-result-writer", "delivery-change-feed");

  private static Set<Thread> workers() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> WORKERS.contains(t.getName()))
        .collect(Collectors.toSet());
  }

  @Test
  void anInterruptedStopStillClosesTheEngineAndTheFeed() throws Exception {
    Set<Thread> before = workers();
    GrpcTestServer server = GrpcTestServer.start();
    Set<Thread> ours = new HashSet<>(workers());
    ours.removeAll(before);
    assertThat(ours).extracting(Thread::getName).containsExactlyInAnyOrderElementsOf(WORKERS);

    Thread.currentThread().interrupt(); // e.g. a shutdown hook's thread being interrupted
    server.server.stop();
    assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(
        () -> assertThat(ours).filteredOn(Thread::isAlive).extracting(Thread::getName).isEmpty());
    server.close();
  }
}
