package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.WatchClient;
import com.apindicators.webhooks.server.config.Limits;
import com.apindicators.webhooks.server.config.Scrape;
import com.apindicators.webhooks.v1.GetWebhookRequest;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import com.apindicators.webhooks.v1.WebhookServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clients that misuse the unary protocol (never send their request, never half-close, send two requests or bytes
 * that do not parse, cancel at any moment) hold a slot of their key only while their call is open, and every slot
 * comes back however the call ends.
 */
class CallQuotaHostileClientsTest {
  private static final int LIMIT = 3;
  @RegisterExtension final ServerExtension ext =
      new ServerExtension(GrpcTestServer.LOOPBACK.withLimits(new Limits(1000, 2000, 100, LIMIT)));
  private final GrpcTestServer server = ext.server();
  private final Fixtures admin = ext.fixtures();

  /** GetWebhook with the request as raw bytes, so a test can send anything. */
  private static final MethodDescriptor<byte[], byte[]> RAW_GET = WebhookServiceGrpc.getGetWebhookMethod().toBuilder(
      MalformedRequestTest.BYTES, MalformedRequestTest.BYTES).build();

  /** A started call and the status it ends with. */
  private record Raw(ClientCall<byte[], byte[]> call, CompletableFuture<Status> ended) {}

  private static Raw start(Channel key) {
    ClientCall<byte[], byte[]> call = key.newCall(RAW_GET, CallOptions.DEFAULT);
    CompletableFuture<Status> ended = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        ended.complete(status);
      }
    }, new Metadata());
    call.request(2);
    return new Raw(call, ended);
  }

  private static byte[] get(String id) {
    return GetWebhookRequest.newBuilder().setWebhookId(id).build().toByteArray();
  }

  private double inFlight() throws Exception {
    return Scrape.of(server.server.metrics()).value("webhooks_account_calls_in_flight");
  }

  private void awaitInFlight(int n) {
    await().atMost(Duration.ofSeconds(10)).until(() -> inFlight() == n);
  }

  private static void assertRefused(WebhookServiceGrpc.WebhookServiceBlockingStub stub, String id) {
    assertThat(StatusAssert.failing(() -> stub.getWebhook(GetWebhookRequest.newBuilder().setWebhookId(id).build()))
        .reason()).isEqualTo(CallQuota.REASON);
  }

  @Test
  void callsThatNeverSendTheirRequestOrNeverHalfCloseHoldSlotsOnlyUntilTheyEnd() throws Exception {
    String id = admin.webhook("acct-a", "http://127.0.0.1:9/hook", "signal.buy").getWebhook().getWebhookId();
    Channel key = server.channelForAccount("acct-a");
    WebhookServiceGrpc.WebhookServiceBlockingStub stub = WebhookServiceGrpc.newBlockingStub(key);

    // Opened, nothing sent: each holds a slot until the client cancels it.
    List<Raw> silent = new ArrayList<>();
    for (int i = 0; i < LIMIT; i++) {
      silent.add(start(key));
    }
    awaitInFlight(LIMIT);
    assertRefused(stub, id);
    for (Raw r : silent) {
      r.call().cancel("gone", null);
      assertThat(r.ended().get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
    }
    awaitInFlight(0);

    // The request sent, never half-closed: held until the half-close, then answered.
    List<Raw> open = new ArrayList<>();
    for (int i = 0; i < LIMIT; i++) {
      Raw r = start(key);
      r.call().sendMessage(get(id));
      open.add(r);
    }
    awaitInFlight(LIMIT);
    assertRefused(stub, id);
    for (Raw r : open) {
      r.call().halfClose();
      assertThat(r.ended().get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
    }
    awaitInFlight(0);

    // Half-closed without a request, two requests, bytes that do not parse: each refused, its slot back.
    Raw none = start(key);
    none.call().halfClose();
    Raw two = start(key);
    two.call().sendMessage(get(id));
    two.call().sendMessage(get(id));
    two.call().halfClose();
    Raw garbage = start(key);
    garbage.call().sendMessage(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
    garbage.call().halfClose();
    assertThat(none.ended().get(10, TimeUnit.SECONDS).isOk()).isFalse();
    assertThat(two.ended().get(10, TimeUnit.SECONDS).isOk()).isFalse();
    assertThat(garbage.ended().get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    awaitInFlight(0);

    // Many calls at once, half of them cancelled at once: none is left counted.
    List<Raw> storm = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Raw r = start(key);
      r.call().sendMessage(get(id));
      r.call().halfClose();
      if (i % 2 == 0) {
        r.call().cancel("gone", null);
      }
      storm.add(r);
    }
    for (Raw r : storm) {
      r.ended().get(10, TimeUnit.SECONDS);
    }
    awaitInFlight(0);
    assertThat(stub.getWebhook(GetWebhookRequest.newBuilder().setWebhookId(id).build()).getWebhook().getWebhookId())
        .isEqualTo(id);
  }

  @Test
  void watchStreamsAndAdminCallsAreNotCounted() throws Exception {
    String id = admin.webhook("acct-a", "http://127.0.0.1:9/hook", "signal.buy").getWebhook().getWebhookId();
    Channel key = server.channelForAccount("acct-a");
    List<Raw> held = new ArrayList<>();
    for (int i = 0; i < LIMIT; i++) {
      held.add(start(key));
    }
    awaitInFlight(LIMIT);
    assertRefused(WebhookServiceGrpc.newBlockingStub(key), id);
    // The key's unary calls are all taken; its watch streams, more of them than the limit, still open.
    List<WatchClient> watches = new ArrayList<>();
    for (int i = 0; i < LIMIT + 1; i++) {
      watches.add(WatchClient.open(key, WatchDeliveriesRequest.newBuilder().setAccountId("acct-a").build()));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> server.server.watchers() == LIMIT + 1);
    // Admin calls, more of them than the limit, are neither refused nor counted.
    List<Raw> adminCalls = new ArrayList<>();
    for (int i = 0; i < LIMIT + 1; i++) {
      adminCalls.add(start(server.channel));
    }
    for (Raw r : adminCalls) {
      r.call().sendMessage(get(id));
      r.call().halfClose();
      assertThat(r.ended().get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
    }
    assertThat(inFlight()).isEqualTo(LIMIT);
    for (WatchClient w : watches) {
      w.close();
    }
    for (Raw r : held) {
      r.call().cancel("gone", null);
    }
    awaitInFlight(0);
  }
}
