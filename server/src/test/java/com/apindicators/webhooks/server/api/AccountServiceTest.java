package com.apindicators.webhooks.server.api;

import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.v1.*;
import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AccountServiceTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final GrpcTestServer server = ext.server();
  private final AccountServiceGrpc.AccountServiceBlockingStub accounts = AccountServiceGrpc.newBlockingStub(server.channel);

  @Test
  void accountNeverGivenAPlanIsOnFreeWithNoWebhooks() {
    Account a = accounts.getAccount(GetAccountRequest.newBuilder().setAccountId("acct-new").build()).getAccount();
    assertThat(a.getPlan()).isEqualTo(Plan.PLAN_FREE);
    assertThat(a.getWebhookLimit()).isZero();
    assertThat(a.getUnlimited()).isFalse();
    assertThat(a.getWebhookCount()).isZero();
  }

  @ParameterizedTest
  @CsvSource({"PLAN_FREE,0,false", "PLAN_STARTER,3,false", "PLAN_PRO,10,false", "PLAN_BUSINESS,0,true"})
  void setPlanReportsThePlansLimitAndPersistsIt(Plan plan, int limit, boolean unlimited) {
    Account set = accounts.setPlan(SetPlanRequest.newBuilder().setAccountId("acct-1").setPlan(plan).build()).getAccount();
    Account read = accounts.getAccount(GetAccountRequest.newBuilder().setAccountId("acct-1").build()).getAccount();
    assertThat(set).isEqualTo(read);
    assertThat(read.getPlan()).isEqualTo(plan);
    assertThat(read.getWebhookLimit()).isEqualTo(limit);
    assertThat(read.getUnlimited()).isEqualTo(unlimited);
  }

  @Test
  void setPlanWithoutAPlanIsInvalid() {
    StatusAssert e = failing(() -> accounts.setPlan(SetPlanRequest.newBuilder().setAccountId("acct-1").build()));
    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.violatedFields()).containsExactly("plan");
    assertThat(e.reason()).isEqualTo("INVALID_ARGUMENT");
  }

  @Test
  void badAccountIdsAreInvalid() {
    for (String id : new String[] {"", "has space", "x".repeat(129), "semi;colon"}) {
      StatusAssert e = failing(() -> accounts.getAccount(GetAccountRequest.newBuilder().setAccountId(id).build()));
      assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.violatedFields()).containsExactly("account_id");
    }
  }
}
