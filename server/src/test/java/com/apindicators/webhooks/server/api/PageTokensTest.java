package com.apindicators.webhooks.server.api;

import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.WatchClient;
import com.apindicators.webhooks.v1.DeliveryServiceGrpc;
import com.apindicators.webhooks.v1.ListDeliveriesRequest;
import com.apindicators.webhooks.v1.ListWebhooksRequest;
import com.apindicators.webhooks.v1.Plan;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import com.apindicators.webhooks.v1.WebhookServiceGrpc;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Page and resume tokens are opaque, and a page token works only for the list that returned it. */
class PageTokensTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final Fixtures f = ext.fixtures();

  @BeforeEach
  void threeWebhooksEachForAliceAndBob() {
    for (String account : new String[] {"alice", "bob"}) {
      f.plan(account, Plan.PLAN_BUSINESS);
      for (int i = 0; i < 3; i++) {
        f.webhook(account, "http://127.0.0.1:9/" + account + i, "signal.buy");
      }
    }
  }

  @Test
  void aWebhookPageTokenOfOneAccountIsRefusedForAnothersAndWhenAltered() {
    var alice = WebhookServiceGrpc.newBlockingStub(server.channelForAccount("alice"));
    String token = alice.listWebhooks(ListWebhooksRequest.newBuilder().setAccountId("alice").setPageSize(2).build())
        .getNextPageToken();
    assertThat(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.ISO_8859_1))
        .doesNotContain("webhooks");
    assertThat(alice.listWebhooks(ListWebhooksRequest.newBuilder().setAccountId("alice").setPageToken(token).build())
        .getWebhooksCount()).isEqualTo(1);

    var admin = WebhookServiceGrpc.newBlockingStub(server.channel);
    StatusAssert other = failing(() -> admin.listWebhooks(
        ListWebhooksRequest.newBuilder().setAccountId("bob").setPageToken(token).build()));
    assertThat(other.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(other.violatedFields()).containsExactly("page_token");

    char[] chars = token.toCharArray();
    chars[10] = chars[10] == 'A' ? 'B' : 'A';
    StatusAssert altered = failing(() -> alice.listWebhooks(
        ListWebhooksRequest.newBuilder().setAccountId("alice").setPageToken(new String(chars)).build()));
    assertThat(altered.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(altered.violatedFields()).containsExactly("page_token");
  }

  @Test
  void aDeliveryPageTokenOfOneWebhookIsRefusedForAnother() {
    String first = f.webhook("alice", "http://127.0.0.1:9/d1", "order.filled").getWebhook().getWebhookId();
    String second = f.webhook("alice", "http://127.0.0.1:9/d2", "order.filled").getWebhook().getWebhookId();
    for (int i = 0; i < 3; i++) {
      f.publish("order.filled", "{}", "alice");
    }
    var deliveries = DeliveryServiceGrpc.newBlockingStub(server.channel);
    String token = deliveries.listDeliveries(ListDeliveriesRequest.newBuilder().setWebhookId(first).setPageSize(1).build())
        .getNextPageToken();
    assertThat(token).isNotEmpty();
    assertThat(deliveries.listDeliveries(ListDeliveriesRequest.newBuilder().setWebhookId(first).setPageToken(token)
        .build()).getDeliveriesCount()).isEqualTo(2);
    StatusAssert e = failing(() -> deliveries.listDeliveries(
        ListDeliveriesRequest.newBuilder().setWebhookId(second).setPageToken(token).build()));
    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.violatedFields()).containsExactly("page_token");
  }

  @Test
  void aResumeTokenShowsNoPositionAndAnAlteredOneIsRefused() throws Exception {
    String token;
    try (WatchClient watch = WatchClient.open(server.channel, WatchDeliveriesRequest.newBuilder().setAccountId("alice").build())) {
      await().until(() -> server.server.watchers() == 1);
      f.publish("signal.buy", "{}", "alice");
      await().atMost(Duration.ofSeconds(10)).until(() -> !watch.received.isEmpty());
      token = watch.received.get(0).getResumeToken();
    }
    assertThat(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.ISO_8859_1)).doesNotContain("chg");
    char[] chars = token.toCharArray();
    chars[20] = chars[20] == 'A' ? 'B' : 'A';
    try (WatchClient altered = WatchClient.open(server.channel,
        WatchDeliveriesRequest.newBuilder().setAccountId("alice").setResumeToken(new String(chars)).build())) {
      await().until(() -> altered.error.get() != null);
      assertThat(Status.fromThrowable(altered.error.get()).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
  }
}
