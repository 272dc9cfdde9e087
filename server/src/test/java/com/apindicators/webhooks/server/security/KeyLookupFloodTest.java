package com.apindicators.webhooks.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.WebhooksServer;
import com.apindicators.webhooks.server.config.Scrape;
import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.server.config.Transport;
import com.apindicators.webhooks.server.store.Database;
import com.apindicators.webhooks.v1.EventServiceGrpc;
import com.apindicators.webhooks.v1.ListWebhooksRequest;
import com.apindicators.webhooks.v1.ListWebhooksResponse;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.apindicators.webhooks.v1.WebhookServiceGrpc;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.Struct;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Anyone, without an account, can send calls with made-up keys of the right form. Their lookups are bounded, so
 * they never take the pool; keys that worked lately are not held up; a repeated bad key costs no lookup. Lookups are
 * held deterministically: this test locks the api_keys table, which every lookup then waits for.
 */
class KeyLookupFloodTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Long enough that nothing this test remembers runs out while it runs, however slow the machine. */
  private static final Duration REMEMBER = Duration.ofHours(1);
  private static final String LOOKUP_WAITS = """
      SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM api_keys WHERE key_id%'
      """;
  private WebhooksServer server;
  private ManagedChannel raw;

  @AfterEach
  void stop() throws Exception {
    if (raw != null) {
      raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.stop();
    }
  }

  /** A real server over Netty on loopback, checking keys with this memory. */
  private ApiKeys start(Duration remember) throws Exception {
    Database db = TestDatabase.clean();
    ApiKeys keys = new ApiKeys(db.jdbi(), ApiKeys.MAX_REMEMBERED, remember);
    server = new WebhooksServer(Transport.netty("127.0.0.1", 0, Transport.Tls.NONE), db, ServerConfig.defaults(),
        keys, SecretBox.random());
    server.start();
    raw = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    return keys;
  }

  /** A key of the right form whose id was never issued. */
  private static String madeUpKey() {
    byte[] id = new byte[16];
    byte[] secret = new byte[32];
    RANDOM.nextBytes(id);
    RANDOM.nextBytes(secret);
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return ApiKeys.PREFIX + b64.encodeToString(id).substring(0, 22) + "_" + b64.encodeToString(secret);
  }

  /** Lookups waiting for the lock (as the server's role: only it sees its own sessions' queries). */
  private static int lookupWaits() {
    return TestDatabase.count(LOOKUP_WAITS);
  }

  /** A transaction holding the api_keys table: every key lookup waits for it until it ends. */
  private static Handle holdLookups() {
    Handle h = TestDatabase.owner().open();
    h.begin();
    h.execute("LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE");
    return h;
  }

  private ListenableFuture<ListWebhooksResponse> listWith(String key) {
    return WebhookServiceGrpc.newFutureStub(GrpcTestServer.withKey(raw, key)).withDeadlineAfter(30, TimeUnit.SECONDS)
        .listWebhooks(ListWebhooksRequest.newBuilder().setAccountId("acct-a").build());
  }

  private static Status.Code code(ListenableFuture<?> call) throws Exception {
    try {
      call.get(30, TimeUnit.SECONDS);
      return Status.Code.OK;
    } catch (ExecutionException e) {
      return Status.fromThrowable(e.getCause()).getCode();
    }
  }

  private double metric(String name) throws Exception {
    return Scrape.of(server.metrics()).value(name);
  }

  @Test
  void aFloodOfMadeUpKeysHoldsAtMostTheBoundOfLookupsWhileATenantsCallsAndPublishesGoOn() throws Exception {
    ApiKeys keys = start(REMEMBER);
    Channel tenant = GrpcTestServer.withKey(raw, keys.create("acct-a", "tenant").apiKey());
    WebhookServiceGrpc.WebhookServiceBlockingStub webhooks = WebhookServiceGrpc.newBlockingStub(tenant);
    EventServiceGrpc.EventServiceBlockingStub events = EventServiceGrpc.newBlockingStub(tenant);
    ListWebhooksRequest list = ListWebhooksRequest.newBuilder().setAccountId("acct-a").build();
    webhooks.listWebhooks(list); // its key is now remembered

    int flood = 200;
    List<ListenableFuture<ListWebhooksResponse>> held;
    try (Handle lock = holdLookups()) {
      List<ListenableFuture<ListWebhooksResponse>> calls = new ArrayList<>();
      for (int i = 0; i < flood; i++) {
        calls.add(listWith(madeUpKey()));
      }
      // All but the bound are refused (at once, or after a brief wait); the bound wait for the lock, each with one
      // pooled connection.
      await().atMost(Duration.ofSeconds(20)).until(() -> calls.stream().filter(ListenableFuture::isDone).count()
          == flood - KeyLookups.MAX_UNKNOWN);
      assertThat(lookupWaits()).isEqualTo(KeyLookups.MAX_UNKNOWN);
      held = calls.stream().filter(c -> !c.isDone()).toList();
      StatusAssert refused = StatusAssert.failing(() -> WebhookServiceGrpc.newBlockingStub(
          GrpcTestServer.withKey(raw, madeUpKey())).listWebhooks(list));
      assertThat(refused.code()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(refused.reason()).isEqualTo("AUTH_BUSY");
      assertThat(refused.message()).contains("retry with exponential backoff");
      assertThat(refused.errorInfo().getMetadataMap()).containsEntry("limit", String.valueOf(KeyLookups.MAX_UNKNOWN));
      assertThat(metric("webhooks_key_lookups_in_flight")).isEqualTo(KeyLookups.MAX_UNKNOWN);
      assertThat(metric("webhooks_key_lookups_refused_total")).isEqualTo(flood - KeyLookups.MAX_UNKNOWN + 1);

      // Meanwhile the tenant's calls and publishes are served as usual.
      for (int i = 0; i < 20; i++) {
        assertThat(webhooks.listWebhooks(list).getWebhooksCount()).isZero();
        assertThat(events.publishEvent(PublishEventRequest.newBuilder().setType("signal.buy").setAccountId("acct-a")
            .setData(Struct.getDefaultInstance()).build()).getEvent().getEventId()).isNotEmpty();
      }
      lock.commit();
    }
    for (ListenableFuture<ListWebhooksResponse> call : held) {
      assertThat(code(call)).isEqualTo(Status.Code.UNAUTHENTICATED);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> metric("webhooks_key_lookups_in_flight") == 0);
    assertThat(keys.lookupsPeak()).isEqualTo(KeyLookups.MAX_UNKNOWN);
  }

  @Test
  void aRepeatedUnknownOrRevokedKeyIsAnsweredFromMemoryWithoutALookup() throws Exception {
    ApiKeys keys = start(REMEMBER);
    String madeUp = madeUpKey();
    ApiKeys.Created revoked = keys.create("acct-a", "soon revoked");
    assertThat(code(listWith(revoked.apiKey()))).isEqualTo(Status.Code.OK);
    keys.revoke(revoked.keyId());
    for (String bad : List.of(madeUp, revoked.apiKey())) {
      assertThat(code(listWith(bad))).isEqualTo(Status.Code.UNAUTHENTICATED);
    }
    assertThat(keys.notLiveCount()).isEqualTo(2);
    try (Handle lock = holdLookups()) {
      // A lookup would wait for the lock until the deadline; each answer comes from memory instead.
      for (int i = 0; i < 50; i++) {
        StatusAssert again = StatusAssert.failing(() -> WebhookServiceGrpc.newBlockingStub(GrpcTestServer.withKey(raw,
            RANDOM.nextBoolean() ? madeUp : revoked.apiKey())).withDeadlineAfter(10, TimeUnit.SECONDS)
            .listWebhooks(ListWebhooksRequest.newBuilder().setAccountId("acct-a").build()));
        assertThat(again.reason()).isEqualTo("INVALID_API_KEY");
      }
      assertThat(keys.lookupsPeak()).isEqualTo(1);
      lock.rollback();
    }
  }

  @Test
  void aBurstOfFirstCallsOfFreshKeysBeyondTheLookupBoundIsServed() throws Exception {
    ApiKeys keys = start(REMEMBER);
    List<ListenableFuture<ListWebhooksResponse>> calls = new ArrayList<>();
    for (int i = 0; i < KeyLookups.MAX_WAITING; i++) {
      // Each of its own account: the calls in progress of one account are limited too.
      String account = "acct-" + i;
      calls.add(WebhookServiceGrpc.newFutureStub(GrpcTestServer.withKey(raw, keys.create(account, "fresh").apiKey()))
          .withDeadlineAfter(30, TimeUnit.SECONDS).listWebhooks(ListWebhooksRequest.newBuilder().setAccountId(account)
              .build()));
    }
    for (ListenableFuture<ListWebhooksResponse> call : calls) {
      assertThat(code(call)).isEqualTo(Status.Code.OK);
    }
  }

  @Test
  void aLiveKeyIsTrustedALittleLongerWhileEveryReCheckOfLiveKeysIsInProgress() throws Exception {
    ApiKeys keys = new ApiKeys(TestDatabase.clean().jdbi(), ApiKeys.MAX_REMEMBERED, Duration.ZERO);
    ApiKeys.Created live = keys.create("acct-a", "tenant");
    assertThat(keys.authenticate(live.apiKey())).isPresent();
    try (Handle lock = holdLookups()) {
      List<CompletableFuture<Optional<Caller>>> checks = new ArrayList<>();
      for (int i = 0; i < KeyLookups.MAX_REFRESHES; i++) {
        checks.add(CompletableFuture.supplyAsync(() -> keys.authenticate(live.apiKey())));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> lookupWaits() == KeyLookups.MAX_REFRESHES);
      // Every re-check is taken (the database is slow): the key's next call is answered from what was last found,
      // neither waiting nor refused nor one more lookup.
      CompletableFuture<Optional<Caller>> next = CompletableFuture.supplyAsync(() -> keys.authenticate(live.apiKey()));
      await().atMost(Duration.ofSeconds(10)).until(next::isDone);
      assertThat(next.join()).get().extracting(Caller::accountId).isEqualTo("acct-a");
      // Its secret is still checked.
      assertThat(keys.authenticate(live.keyId() + "_" + "A".repeat(43))).isEmpty();
      lock.commit();
      for (CompletableFuture<Optional<Caller>> check : checks) {
        assertThat(check.get(10, TimeUnit.SECONDS)).isPresent();
      }
    }
    assertThat(keys.lookupsPeak()).isEqualTo(KeyLookups.MAX_REFRESHES);
  }

  @Test
  void manyDistinctMadeUpIdsDoNotGrowTheMemoryPastItsBound() {
    int bound = 20; // the production bound is ApiKeys.MAX_REMEMBERED; the mechanism is the same
    ApiKeys keys = new ApiKeys(TestDatabase.clean().jdbi(), bound, REMEMBER);
    for (int i = 0; i < bound * 3; i++) {
      assertThat(keys.authenticate(madeUpKey())).isEmpty();
      assertThat(keys.notLiveCount()).isBetween(1, bound);
    }
  }

  @Test
  void aLiveKeyWhoseMemoryRanOutIsRecheckedBesideAFloodThatTookEveryLookupOfUnknownIds() throws Exception {
    // Remembered for no time at all: every call of the live key checks it again in the database.
    ApiKeys keys = new ApiKeys(TestDatabase.clean().jdbi(), ApiKeys.MAX_REMEMBERED, Duration.ZERO);
    ApiKeys.Created live = keys.create("acct-a", "tenant");
    assertThat(keys.authenticate(live.apiKey())).isPresent();
    try (Handle lock = holdLookups()) {
      List<CompletableFuture<Optional<Caller>>> flood = new ArrayList<>();
      for (int i = 0; i < KeyLookups.MAX_UNKNOWN; i++) {
        flood.add(CompletableFuture.supplyAsync(() -> keys.authenticate(madeUpKey())));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> lookupWaits() == KeyLookups.MAX_UNKNOWN);
      // One more (beyond the waiters' wait) is refused; on a thread of its own, so that a lookup fails this test
      // instead of waiting for the lock forever.
      CompletableFuture<Optional<Caller>> beyond = CompletableFuture.supplyAsync(() -> keys.authenticate(madeUpKey()));
      await().atMost(Duration.ofSeconds(10)).until(beyond::isDone);
      assertThatThrownBy(beyond::join).hasCauseInstanceOf(KeyLookupsBusyException.class);

      CompletableFuture<Optional<Caller>> tenant = CompletableFuture.supplyAsync(() -> keys.authenticate(live.apiKey()));
      // It passed the gate the flood holds and waits only for the lock, like the flood's own lookups.
      await().atMost(Duration.ofSeconds(10)).until(() -> lookupWaits() == KeyLookups.MAX_UNKNOWN + 1);
      lock.commit();
      assertThat(tenant.get(10, TimeUnit.SECONDS)).get().extracting(Caller::accountId).isEqualTo("acct-a");
      for (CompletableFuture<Optional<Caller>> f : flood) {
        assertThat(f.get(10, TimeUnit.SECONDS)).isEmpty();
      }
    }
    assertThat(keys.lookupsPeak()).isEqualTo(KeyLookups.MAX_UNKNOWN + 1);
  }
}
