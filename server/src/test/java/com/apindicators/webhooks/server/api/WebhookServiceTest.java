package com.apindicators.webhooks.server.api;

import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.v1.*;
import com.google.protobuf.FieldMask;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WebhookServiceTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final AccountServiceGrpc.AccountServiceBlockingStub accounts = AccountServiceGrpc.newBlockingStub(server.channel);
  private final WebhookServiceGrpc.WebhookServiceBlockingStub webhooks = WebhookServiceGrpc.newBlockingStub(server.channel);

  private void plan(String account, Plan plan) {
    accounts.setPlan(SetPlanRequest.newBuilder().setAccountId(account).setPlan(plan).build());
  }

  static CreateWebhookRequest.Builder request(String account) {
    return CreateWebhookRequest.newBuilder().setAccountId(account).setName("Telegram Bot")
        .setUrl("https://bot.example.com/hook").addEvents("signal.buy").addEvents("order.filled");
  }

  private int countWebhooks(String account) {
    return server.db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM webhooks WHERE account_id = :a")
        .bind("a", account).mapTo(Integer.class).one());
  }

  @Test
  void createReturnsTheSecretOnceAndNoOtherRpcReturnsIt() {
    plan("a", Plan.PLAN_STARTER);
    CreateWebhookResponse created = webhooks.createWebhook(request("a").build());
    String secret = created.getSigningSecret();
    assertThat(secret).startsWith("whsec_");
    assertThat(Base64.getDecoder().decode(secret.substring(6))).hasSize(32);
    Webhook w = created.getWebhook();
    assertThat(w.getWebhookId()).startsWith("wh_");
    assertThat(w.getSecretHint()).isEqualTo(secret.substring(secret.length() - 4));
    assertThat(w.getEnabled()).isTrue();
    assertThat(w.getEventsList()).containsExactly("signal.buy", "order.filled");
    assertThat(w.getRetryPolicy().getMaxAttempts()).isEqualTo(1);
    assertThat(created.getWarningsList()).isEmpty();

    Webhook got = webhooks.getWebhook(GetWebhookRequest.newBuilder().setWebhookId(w.getWebhookId()).build()).getWebhook();
    assertThat(got).isEqualTo(w);
    assertThat(got.toString()).doesNotContain(secret.substring(6));
    ListWebhooksResponse listed = webhooks.listWebhooks(ListWebhooksRequest.newBuilder().setAccountId("a").build());
    assertThat(listed.toString()).doesNotContain(secret.substring(6));
    UpdateWebhookResponse updated = webhooks.updateWebhook(UpdateWebhookRequest.newBuilder()
        .setWebhook(Webhook.newBuilder().setWebhookId(w.getWebhookId()).setName("Renamed"))
        .setUpdateMask(FieldMask.newBuilder().addPaths("name")).build());
    assertThat(updated.toString()).doesNotContain(secret.substring(6));
  }

  @Test
  void rotateReturnsANewSecretAndChangesTheHint() {
    plan("a", Plan.PLAN_STARTER);
    CreateWebhookResponse created = webhooks.createWebhook(request("a").build());
    RotateSigningSecretResponse rotated = webhooks.rotateSigningSecret(
        RotateSigningSecretRequest.newBuilder().setWebhookId(created.getWebhook().getWebhookId()).build());
    assertThat(rotated.getSigningSecret()).startsWith("whsec_").isNotEqualTo(created.getSigningSecret());
    String s = rotated.getSigningSecret();
    assertThat(rotated.getWebhook().getSecretHint()).isEqualTo(s.substring(s.length() - 4));
  }

  @Test
  void plainHttpUrlIsAcceptedWithAWarning() {
    plan("a", Plan.PLAN_STARTER);
    CreateWebhookResponse created = webhooks.createWebhook(request("a").setUrl("http://bot.example.com/hook").build());
    assertThat(created.getWarningsList()).singleElement().asString().contains("plain HTTP");
  }

  @Test
  void freeAccountCannotCreateAnyWebhook() {
    StatusAssert e = failing(() -> webhooks.createWebhook(request("free-acct").build()));
    assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(e.reason()).isEqualTo("PLAN_LIMIT_REACHED");
    assertThat(e.message()).contains("Free").contains("0 webhooks").contains("upgrade");
    assertThat(countWebhooks("free-acct")).isZero();
  }

  @Test
  void createWebhookBeyondPlanLimitFailsWithFailedPrecondition() {
    for (Plan p : List.of(Plan.PLAN_STARTER, Plan.PLAN_PRO)) {
      String account = "acct-" + p;
      plan(account, p);
      int limit = p == Plan.PLAN_STARTER ? 3 : 10;
      for (int i = 0; i < limit; i++) {
        webhooks.createWebhook(request(account).build());
      }
      StatusAssert e = failing(() -> webhooks.createWebhook(request(account).build()));
      assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(e.reason()).isEqualTo("PLAN_LIMIT_REACHED");
      assertThat(e.message()).contains(p == Plan.PLAN_STARTER ? "Starter plan allows 3" : "Pro plan allows 10");
      assertThat(e.errorInfo().getMetadataMap()).containsEntry("limit", Integer.toString(limit));
      assertThat(countWebhooks(account)).isEqualTo(limit);
    }
  }

  @Test
  void businessPlanIsUnlimited() {
    plan("biz", Plan.PLAN_BUSINESS);
    for (int i = 0; i < 25; i++) {
      webhooks.createWebhook(request("biz").build());
    }
    assertThat(accounts.getAccount(GetAccountRequest.newBuilder().setAccountId("biz").build()).getAccount()
        .getWebhookCount()).isEqualTo(25);
  }

  @Test
  void twelveConcurrentCreatesOnStarterGiveExactlyThree() throws Exception {
    plan("race", Plan.PLAN_STARTER);
    ExecutorService pool = Executors.newFixedThreadPool(12);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Status.Code>> results = new ArrayList<>();
    try {
      for (int i = 0; i < 12; i++) {
        Callable<Status.Code> create = () -> {
          go.await();
          try {
            webhooks.createWebhook(request("race").build());
            return Status.Code.OK;
          } catch (io.grpc.StatusRuntimeException e) {
            return e.getStatus().getCode();
          }
        };
        results.add(pool.submit(create));
      }
      go.countDown();
      List<Status.Code> codes = new ArrayList<>();
      for (Future<Status.Code> f : results) {
        codes.add(f.get());
      }
      assertThat(codes).filteredOn(c -> c == Status.Code.OK).hasSize(3);
      assertThat(codes).filteredOn(c -> c == Status.Code.FAILED_PRECONDITION).hasSize(9);
      assertThat(countWebhooks("race")).isEqualTo(3);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void deleteFreesThePlanSlot() {
    plan("a", Plan.PLAN_STARTER);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(webhooks.createWebhook(request("a").build()).getWebhook().getWebhookId());
    }
    webhooks.deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(ids.get(0)).build());
    assertThat(failing(() -> webhooks.getWebhook(GetWebhookRequest.newBuilder().setWebhookId(ids.get(0)).build())).code())
        .isEqualTo(Status.Code.NOT_FOUND);
    webhooks.createWebhook(request("a").build());
    assertThat(countWebhooks("a")).isEqualTo(3);
  }

  @Test
  void updateChangesOnlyTheMaskedFieldsAndValidatesThem() {
    plan("a", Plan.PLAN_STARTER);
    Webhook w = webhooks.createWebhook(request("a").build()).getWebhook();
    UpdateWebhookResponse r = webhooks.updateWebhook(UpdateWebhookRequest.newBuilder()
        .setWebhook(Webhook.newBuilder().setWebhookId(w.getWebhookId()).setUrl("http://new.example.com/x")
            .setName("ignored because not masked").setEnabled(false)
            .setRetryPolicy(RetryPolicy.newBuilder().setMaxAttempts(3))
            .setFilter(WebhookFilter.newBuilder().addPairs("BTCUSDT").setMinScore(0.8)))
        .setUpdateMask(FieldMask.newBuilder().addPaths("url").addPaths("enabled").addPaths("retry_policy").addPaths("filter"))
        .build());
    Webhook u = r.getWebhook();
    assertThat(u.getName()).isEqualTo("Telegram Bot");
    assertThat(u.getUrl()).isEqualTo("http://new.example.com/x");
    assertThat(u.getEnabled()).isFalse();
    assertThat(u.getRetryPolicy().getMaxAttempts()).isEqualTo(3);
    assertThat(u.getFilter().getPairsList()).containsExactly("BTCUSDT");
    assertThat(u.getFilter().getMinScore()).isEqualTo(0.8);
    assertThat(r.getWarningsList()).hasSize(1);
    assertThat(u.getSecretHint()).isEqualTo(w.getSecretHint());

    StatusAssert bad = failing(() -> webhooks.updateWebhook(UpdateWebhookRequest.newBuilder()
        .setWebhook(Webhook.newBuilder().setWebhookId(w.getWebhookId()).setUrl("ftp://x").addEvents("nope"))
        .setUpdateMask(FieldMask.newBuilder().addPaths("url").addPaths("events").addPaths("secret_hint")).build()));
    assertThat(bad.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(bad.violatedFields()).containsExactlyInAnyOrder("update_mask", "webhook.url", "webhook.events[0]");
    Webhook after = webhooks.getWebhook(GetWebhookRequest.newBuilder().setWebhookId(w.getWebhookId()).build()).getWebhook();
    assertThat(after.getUrl()).isEqualTo("http://new.example.com/x");

    assertThat(failing(() -> webhooks.updateWebhook(UpdateWebhookRequest.newBuilder()
        .setWebhook(Webhook.newBuilder().setWebhookId(w.getWebhookId())).build())).violatedFields())
        .containsExactly("update_mask");
  }

  @Test
  void unknownIdsAreNotFound() {
    String id = "wh_doesnotexist";
    StatusAssert get = failing(() -> webhooks.getWebhook(GetWebhookRequest.newBuilder().setWebhookId(id).build()));
    assertThat(get.code()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(get.reason()).isEqualTo("WEBHOOK_NOT_FOUND");
    assertThat(failing(() -> webhooks.deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(id).build())).code())
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(failing(() -> webhooks.rotateSigningSecret(RotateSigningSecretRequest.newBuilder().setWebhookId(id).build())).code())
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(failing(() -> webhooks.updateWebhook(UpdateWebhookRequest.newBuilder()
        .setWebhook(Webhook.newBuilder().setWebhookId(id).setName("x"))
        .setUpdateMask(FieldMask.newBuilder().addPaths("name")).build())).code()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void listPaginatesInCreationOrderWithOpaqueTokens() {
    plan("p", Plan.PLAN_BUSINESS);
    plan("other", Plan.PLAN_BUSINESS);
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      created.add(webhooks.createWebhook(request("p").setName("hook " + i).build()).getWebhook().getWebhookId());
      webhooks.createWebhook(request("other").build());
    }
    List<String> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListWebhooksResponse page = webhooks.listWebhooks(
          ListWebhooksRequest.newBuilder().setAccountId("p").setPageSize(3).setPageToken(token).build());
      page.getWebhooksList().forEach(w -> seen.add(w.getWebhookId()));
      assertThat(page.getWebhooksCount()).isLessThanOrEqualTo(3);
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty());
    assertThat(seen).isEqualTo(created);
    assertThat(pages).isEqualTo(3);

    ListWebhooksResponse all = webhooks.listWebhooks(ListWebhooksRequest.newBuilder().setAccountId("p").setPageSize(100_000).build());
    assertThat(all.getWebhooksCount()).isEqualTo(7);
    assertThat(all.getNextPageToken()).isEmpty();

    assertThat(failing(() -> webhooks.listWebhooks(ListWebhooksRequest.newBuilder().setAccountId("p").setPageSize(-1).build()))
        .violatedFields()).containsExactly("page_size");
    assertThat(failing(() -> webhooks.listWebhooks(ListWebhooksRequest.newBuilder().setAccountId("p").setPageToken("garbage!").build()))
        .violatedFields()).containsExactly("page_token");
  }

  @Test
  void defaultPageSizeIsFiftyAndMaxIsFiveHundred() {
    plan("big", Plan.PLAN_BUSINESS);
    server.db.jdbi().useHandle(h -> h.execute("""
        INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)
        SELECT 'wh_bulk' || g, 'big', 'n', 'https://e.example/x', '{signal.buy}', 'whsec_x', 'x'
        FROM generate_series(1, 520) g
        """));
    assertThat(webhooks.listWebhooks(ListWebhooksRequest.newBuilder().setAccountId("big").build()).getWebhooksCount())
        .isEqualTo(50);
    assertThat(webhooks.listWebhooks(ListWebhooksRequest.newBuilder().setAccountId("big").setPageSize(501).build())
        .getWebhooksCount()).isEqualTo(500);
  }

  @Test
  void listEventTypesReturnsTheCatalog() {
    ListEventTypesResponse r = webhooks.listEventTypes(ListEventTypesRequest.getDefaultInstance());
    assertThat(r.getEventTypesList()).extracting(EventType::getName)
        .containsExactly("signal.buy", "signal.sell", "backtest.run", "order.filled");
    assertThat(r.getEventTypesList()).allSatisfy(t -> assertThat(t.getDescription()).startsWith("Fired when"));
  }

  @Test
  void secretsAreUnique() {
    plan("u", Plan.PLAN_BUSINESS);
    Set<String> secrets = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      secrets.add(webhooks.createWebhook(request("u").build()).getSigningSecret());
    }
    assertThat(secrets).hasSize(20);
  }
}
