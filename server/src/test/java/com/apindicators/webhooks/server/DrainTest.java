package com.apindicators.webhooks.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Receiver.Answer;
import com.apindicators.webhooks.server.api.ResumeTokens;
import com.apindicators.webhooks.server.security.SealedTokens;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.store.Database;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to a server process with attempts in flight: health says NOT_SERVING first, watch streams end
 * UNAVAILABLE, the deliveries it holds but has not started are released at once for another process, and the
 * attempts in flight finish and are recorded (within --shutdown-grace) or, past it, are released too.
 */
class DrainTest {
  private static final String ACCOUNT = "drain";
  /**
   * The draining process's queue: 16 give an account a burst share of 2 (Dispatcher.BURST_SHARE), less than the slow
   * lane's own 8, so the lane holds what it earned and the rest waits in the table.
   */
  private static final String QUEUE_OF_16 = "--dispatcher-queue=16";

  @Test
  void sigtermLetsAttemptsInFlightFinishAndHandsTheRestToAnotherProcessAtOnce() throws Exception {
    Database db = TestDatabase.clean();
    CountDownLatch gate = new CountDownLatch(1);
    // Both run from the start: the attempts in flight must be let through within their 10 s timeout.
    try (Receiver receiver = new Receiver(); ServerProcess b = ServerProcess.onDatabase(db.jdbcUrl())) {
      receiver.on("/slow", n -> hold(gate));
      // The lease (60 s by default) is far longer than the waits below: only a release lets B take them at once.
      ServerProcess a = ServerProcess.onDatabase(db.jdbcUrl(), "--shutdown-grace", "60", QUEUE_OF_16);
      ManagedChannel toA = EndToEndTest.channel(a.port());
      try {
        List<ServingStatus> health = watchHealth(toA);
        WatchClient watch = WatchClient.open(GrpcTestServer.withKey(toA, TestKeys.ADMIN), fromTheStart());
        Fixtures viaA = new Fixtures(GrpcTestServer.withKey(toA, TestKeys.ADMIN));
        viaA.webhook(ACCOUNT, receiver.url("/slow"), "order.filled");
        for (int i = 0; i < 12; i++) {
          viaA.publish("order.filled", "{\"n\":" + i + "}", ACCOUNT);
        }
        // A sends 4 (the floor) and holds 4; B claims the 4 A had no room for and sends them.
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/slow").size() == 8);
        String nodeA = TestDatabase.get().jdbi().withHandle(h -> h.createQuery(
            "SELECT DISTINCT lease_owner FROM deliveries WHERE status = 'PENDING' AND delivery_id <> ALL(:sent)")
            .bind("sent", received(receiver).toArray(String[]::new)).mapTo(String.class).one());
        List<String> sentByA = TestDatabase.get().jdbi().withHandle(h -> h.createQuery(
            "SELECT delivery_id FROM deliveries WHERE lease_owner = :a AND delivery_id = ANY(:sent)")
            .bind("a", nodeA).bind("sent", received(receiver).toArray(String[]::new)).mapTo(String.class).list());
        assertThat(sentByA).hasSize(4);

        a.terminate();
        await().atMost(Duration.ofSeconds(20)).until(() -> health.contains(ServingStatus.NOT_SERVING));
        await().atMost(Duration.ofSeconds(20)).until(() -> watch.error.get() != null);
        Status ended = Status.fromThrowable(watch.error.get());
        assertThat(ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(ended.getDescription()).contains("shutting down").contains("resume_token");
        // The 4 it held but had not started are released at once, while its own 4 attempts still run.
        await().atMost(Duration.ofSeconds(20)).until(() -> TestDatabase.count(
            "SELECT count(*) FROM deliveries WHERE status = 'PENDING' AND lease_owner = '" + nodeA + "'") == 4);
        assertThat(a.isAlive()).as("A waits for its attempts in flight: %s", a.output()).isTrue();
        gate.countDown();
        assertThat(a.awaitExit(30)).isTrue();
        // B sends the released 4 now, not after A's 60 s lease.
        await().atMost(Duration.ofSeconds(30)).until(() -> TestDatabase.count(
            "SELECT count(*) FROM deliveries WHERE status = 'DELIVERED' AND attempt_count = 1") == 12);
        assertThat(received(receiver)).hasSize(12).doesNotHaveDuplicates().containsAll(sentByA);
        assertThat(TestDatabase.count("SELECT count(*) FROM delivery_attempt_log")).isEqualTo(12);
        assertThat(String.join("\n", a.output())).contains("Draining").contains("released 4 deliveries")
            .contains("4 attempts in flight may finish").contains("Drained: every attempt in flight finished");
      } finally {
        gate.countDown();
        toA.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        a.close();
      }
    }
  }

  private static List<String> received(Receiver receiver) {
    return receiver.requests("/slow").stream().map(r -> r.header("x-webhook-id")).toList();
  }

  @Test
  void attemptsStillRunningWhenTheGraceEndsAreReleasedToo() throws Exception {
    Database db = TestDatabase.clean();
    CountDownLatch gate = new CountDownLatch(1);
    try (Receiver receiver = new Receiver()) {
      receiver.on("/slow", n -> hold(gate));
      ServerProcess a = ServerProcess.onDatabase(db.jdbcUrl(), "--shutdown-grace", "1", QUEUE_OF_16);
      ManagedChannel toA = EndToEndTest.channel(a.port());
      try {
        publishTwelveToOneSlowEndpoint(toA, receiver);
        a.terminate();
        assertThat(a.awaitExit(30)).isTrue();
        // Nothing stays leased to the process that left: another one attempts all 12 at once, not in 60 s.
        assertThat(TestDatabase.count("SELECT count(*) FROM deliveries WHERE lease_owner IS NOT NULL")).isZero();
        assertThat(unleasedPending()).isEqualTo(12);
        assertThat(String.join("\n", a.output())).contains("4 attempts were still in flight after the 1 s grace");
      } finally {
        gate.countDown();
        toA.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        a.close();
      }
    }
  }

  /**
   * 12 deliveries to one endpoint that holds every request: 4 in flight (the floor), 4 waiting, 4 in the table (with
   * {@link #QUEUE_OF_16}).
   */
  private static void publishTwelveToOneSlowEndpoint(ManagedChannel to, Receiver receiver) {
    Fixtures f = new Fixtures(GrpcTestServer.withKey(to, TestKeys.ADMIN));
    f.webhook(ACCOUNT, receiver.url("/slow"), "order.filled");
    for (int i = 0; i < 12; i++) {
      f.publish("order.filled", "{\"n\":" + i + "}", ACCOUNT);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.requests("/slow").size() == 4 && unleasedPending() == 4);
  }

  private static int unleasedPending() {
    return TestDatabase.count("SELECT count(*) FROM deliveries WHERE status = 'PENDING' AND lease_owner IS NULL");
  }

  /** Every status the server's overall health reports on a Watch stream. */
  private static List<ServingStatus> watchHealth(Channel channel) {
    List<ServingStatus> seen = new CopyOnWriteArrayList<>();
    HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
      @Override
      public void onNext(HealthCheckResponse r) {
        seen.add(r.getStatus());
      }

      @Override
      public void onError(Throwable t) {
      }

      @Override
      public void onCompleted() {
      }
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(ServingStatus.SERVING));
    return seen;
  }

  /** A watch of the account that replays from the change log's start, so it is surely open before the SIGTERM. */
  private static WatchDeliveriesRequest fromTheStart() {
    String token = new ResumeTokens(new SealedTokens(new SecretBox(List.of(TestKeys.MASTER)))).token(0);
    return WatchDeliveriesRequest.newBuilder().setAccountId(ACCOUNT).setResumeToken(token).build();
  }

  private static Answer hold(CountDownLatch gate) {
    try {
      gate.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Answer.ok();
  }
}
