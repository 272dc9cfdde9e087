package com.apindicators.webhooks.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.WatchClient;
import com.apindicators.webhooks.server.config.Limits;
import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import com.apindicators.webhooks.v1.WatchDeliveriesResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import com.apindicators.webhooks.server.api.ResumeTokens;
import com.apindicators.webhooks.server.security.SealedTokens;

/** Limits on watch streams: streams per API key, and replays that take no thread per stream. */
class WatchLimitsTest {
  private GrpcTestServer server;

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private String token(long changeId) {
    return new ResumeTokens(new SealedTokens(server.secrets)).token(changeId);
  }

  /** A token from just before the first change (change ids start at 2; see ChangeLog). */
  private String fromTheStart() {
    return token(1);
  }

  /** Writes changes of one account straight into the change log, as deliveries would. */
  private void changes(String account, int n, String status) {
    server.db.jdbi().useHandle(h -> h.execute("""
        INSERT INTO delivery_changes (delivery_id, webhook_id, account_id, event_id, event_type, url, status,
            response_code, error, attempt_count, duration_ms, create_time)
        SELECT 'dlv_' || g, 'wh_replay', ?, 'evt_' || g, 'signal.buy', 'https://example.com/h', ?, 200, '', 1, 5, now()
        FROM generate_series(1, ?) g ORDER BY g
        """, account, status, n));
  }

  @Test
  void aKeyAtItsLimitIsRefusedBeforeItsTokenIsReadAndABadTokenGivesItsSlotBack() throws Exception {
    server = GrpcTestServer.start(ServerConfig.defaults().withAllowPrivateTargets(true)
        .withLimits(new Limits(1000, 2000, 1)));
    Channel key = server.channelForAccount("cap");
    WatchDeliveriesRequest badToken = WatchDeliveriesRequest.newBuilder().setResumeToken("not-a-token").build();
    // With its slot free, a bad token is the error, and the slot is free again after it.
    for (int i = 0; i < 2; i++) {
      WatchClient bad = WatchClient.open(key, badToken);
      await().until(() -> bad.error.get() != null);
      assertThat(Status.fromThrowable(bad.error.get()).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
    try (WatchClient open = WatchClient.open(key, WatchDeliveriesRequest.getDefaultInstance())) {
      await().until(() -> server.server.watchers() == 1);
      // At its limit, the key is refused before its token is read (which costs database queries).
      WatchClient refused = WatchClient.open(key, badToken);
      await().until(() -> refused.error.get() != null);
      assertThat(new StatusAssert((StatusRuntimeException) refused.error.get()).reason())
          .isEqualTo("WATCH_LIMIT_REACHED");
    }
  }

  @Test
  void aKeyBeyondItsWatchLimitIsRefusedWithResourceExhaustedAndGetsItsSlotBackWhenAStreamEnds() throws Exception {
    server = GrpcTestServer.start(ServerConfig.defaults().withAllowPrivateTargets(true).withLimits(new Limits(1000, 2000, 3)));
    Channel key = server.channelForAccount("cap");
    Channel otherKey = server.channelForAccount("cap");
    WatchDeliveriesRequest request = WatchDeliveriesRequest.getDefaultInstance();
    List<WatchClient> open = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      open.add(WatchClient.open(key, request));
    }
    await().until(() -> server.server.watchers() == 3);
    WatchClient refused = WatchClient.open(key, request);
    await().until(() -> refused.error.get() != null);
    StatusAssert status = new StatusAssert((StatusRuntimeException) refused.error.get());
    assertThat(status.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.reason()).isEqualTo("WATCH_LIMIT_REACHED");
    assertThat(status.message()).contains("3 WatchDeliveries streams");

    try (WatchClient byAnotherKey = WatchClient.open(otherKey, request)) {
      await().until(() -> server.server.watchers() == 4);
      assertThat(byAnotherKey.error.get()).isNull();
    }
    await().until(() -> server.server.watchers() == 3);
    open.get(0).close(); // cancelled by the client
    await().until(() -> server.server.watchers() == 2);
    WatchClient again = openOnceASlotIsBack(key, request, 3);
    // A deadline is another way to end: its slot comes back too.
    again.close();
    open.get(1).close();
    open.get(2).close();
    await().until(() -> server.server.watchers() == 0);
    List<WatchClient> deadlined = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      deadlined.add(WatchClient.openWithDeadline(key, request, 200));
    }
    await().until(() -> deadlined.stream().allMatch(w -> w.error.get() != null));
    await().until(() -> server.server.watchers() == 0);
    openOnceASlotIsBack(key, request, 1).close();
  }

  /**
   * Opens a stream of the key, again while it is refused for the key's limit: the server gives a slot back when it
   * handles the stream's end, which can come a moment after the client saw it end (its deadline, its cancel).
   * Fails if no slot comes back within the wait.
   */
  private WatchClient openOnceASlotIsBack(Channel key, WatchDeliveriesRequest request, int watchersThen) {
    return await().atMost(Duration.ofSeconds(10)).until(() -> {
      WatchClient w = WatchClient.open(key, request);
      await().until(() -> w.error.get() != null || server.server.watchers() == watchersThen);
      if (w.error.get() == null) {
        return w;
      }
      assertThat(new StatusAssert((StatusRuntimeException) w.error.get()).reason()).isEqualTo("WATCH_LIMIT_REACHED");
      return null;
    }, java.util.Objects::nonNull);
  }

  @Test
  void twoHundredStreamsResumingFromTheOldestTokenShareAFewThreadsAndEachGetsEveryChangeOnceInOrder() throws Exception {
    server = GrpcTestServer.start(ServerConfig.defaults().withAllowPrivateTargets(true).withLimits(new Limits(1000, 2000, 1000)));
    int changes = 1000; // as many as a stream buffers: a replay waits for the client after them
    changes("replay", changes, "DELIVERED");
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int before = threads.getThreadCount();
    threads.resetPeakThreadCount();
    List<WatchClient> streams = new ArrayList<>();
    // In groups, so the calls' own start-up work (auth, token checks) does not need many threads at once.
    for (int i = 0; i < 200; i++) {
      streams.add(WatchClient.stalled(server.channel,
          WatchDeliveriesRequest.newBuilder().setAccountId("replay").setResumeToken(fromTheStart()).build()));
      if (streams.size() % 20 == 0) {
        await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == streams.size());
      }
    }
    streams.forEach(WatchClient::read);
    List<String> expected = IntStream.rangeClosed(1, changes).mapToObj(i -> "dlv_" + i).toList();
    await().atMost(Duration.ofSeconds(60)).until(() -> streams.stream().allMatch(s -> s.received.size() >= changes));
    assertThat(threads.getPeakThreadCount() - before).as("threads added while 200 streams replayed").isLessThan(100);
    for (WatchClient s : streams) {
      assertThat(s.error.get()).isNull();
      assertThat(s.received).extracting(r -> r.getDelivery().getDeliveryId()).containsExactlyElementsOf(expected);
      s.close();
    }
    await().until(() -> server.server.watchers() == 0);
  }

  @Test
  void aReplayThatFailsEndsTheStreamAndLeavesNoSubscriptionBehind() throws Exception {
    server = GrpcTestServer.start();
    changes("broken", 3, "NOT_A_STATUS"); // a row the replay cannot read
    try (WatchClient watch = WatchClient.open(server.channel,
        WatchDeliveriesRequest.newBuilder().setAccountId("broken").setResumeToken(fromTheStart()).build())) {
      await().until(() -> watch.error.get() != null);
      assertThat(Status.fromThrowable(watch.error.get()).getCode()).isIn(Status.Code.UNAVAILABLE, Status.Code.INTERNAL);
      await().atMost(Duration.ofSeconds(20)).until(() -> server.server.watchers() == 0);
    }
  }
}
