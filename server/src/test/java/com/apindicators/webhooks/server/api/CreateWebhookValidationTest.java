package com.apindicators.webhooks.server.api;

import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.v1.*;
import com.google.protobuf.Duration;
import io.grpc.Status;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CreateWebhookValidationTest {
  @RegisterExtension static final ServerExtension ext = new ServerExtension();
  private static final GrpcTestServer server = ext.server();
  private static final WebhookServiceGrpc.WebhookServiceBlockingStub webhooks =
      WebhookServiceGrpc.newBlockingStub(server.channel);

  @BeforeAll
  static void start() {
    AccountServiceGrpc.newBlockingStub(server.channel).setPlan(
        SetPlanRequest.newBuilder().setAccountId("v").setPlan(Plan.PLAN_BUSINESS).build());
  }

  static Stream<Arguments> badRequests() {
    return Stream.of(
        bad("missing account", b -> b.setAccountId(""), "account_id"),
        bad("empty name", b -> b.setName("  "), "name"),
        bad("name too long", b -> b.setName("n".repeat(101)), "name"),
        bad("name with control char", b -> b.setName("a\u0007b"), "name"),
        bad("missing url", b -> b.setUrl(""), "url"),
        bad("relative url", b -> b.setUrl("/hook"), "url"),
        bad("ftp url", b -> b.setUrl("ftp://example.com/x"), "url"),
        bad("url without host", b -> b.setUrl("https:///x"), "url"),
        bad("url with space", b -> b.setUrl("https://exa mple.com/"), "url"),
        bad("url with credentials", b -> b.setUrl("https://u:p@example.com/"), "url"),
        bad("url with port 0", b -> b.setUrl("https://example.com:0/x"), "url"),
        bad("url with port 65536", b -> b.setUrl("https://example.com:65536/x"), "url"),
        bad("url with port 99999", b -> b.setUrl("https://example.com:99999/x"), "url"),
        bad("url too long", b -> b.setUrl("https://example.com/" + "a".repeat(2030)), "url"),
        bad("no events", CreateWebhookRequest.Builder::clearEvents, "events"),
        bad("unknown event", b -> b.clearEvents().addEvents("signal.hold"), "events[0]"),
        bad("duplicate event", b -> b.clearEvents().addEvents("signal.buy").addEvents("signal.buy"), "events[1]"),
        bad("too many attempts", b -> b.setRetryPolicy(RetryPolicy.newBuilder().setMaxAttempts(11)), "retry_policy.max_attempts"),
        bad("negative attempts", b -> b.setRetryPolicy(RetryPolicy.newBuilder().setMaxAttempts(-1)), "retry_policy.max_attempts"),
        bad("tiny backoff", b -> b.setRetryPolicy(RetryPolicy.newBuilder().setInitialBackoff(Duration.newBuilder().setNanos(1000))),
            "retry_policy.initial_backoff"),
        bad("initial above max", b -> b.setRetryPolicy(RetryPolicy.newBuilder()
            .setInitialBackoff(Duration.newBuilder().setSeconds(60)).setMaxBackoff(Duration.newBuilder().setSeconds(10))),
            "retry_policy.max_backoff"),
        bad("NaN score", b -> b.setFilter(WebhookFilter.newBuilder().setMinScore(Double.NaN)), "filter.min_score"),
        bad("empty pair", b -> b.setFilter(WebhookFilter.newBuilder().addPairs("")), "filter.pairs[0]"));
  }

  private static Arguments bad(String what, UnaryOperator<CreateWebhookRequest.Builder> change, String field) {
    return Arguments.of(what, change, field);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void badCreateIsInvalidArgumentNamingTheFieldAndStoresNothing(
      String what, UnaryOperator<CreateWebhookRequest.Builder> change, String field) {
    CreateWebhookRequest request = change.apply(WebhookServiceTest.request("v")).build();
    StatusAssert e = failing(() -> webhooks.createWebhook(request));
    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.reason()).isEqualTo("INVALID_ARGUMENT");
    assertThat(e.violatedFields()).containsExactly(field);
    assertThat(e.message()).contains(field);
    assertThat(TestDatabase.count("SELECT count(*) FROM webhooks")).isZero();
  }
}
