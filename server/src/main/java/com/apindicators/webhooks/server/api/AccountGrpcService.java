package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.registry.Accounts;
import com.apindicators.webhooks.server.registry.Plan;
import com.apindicators.webhooks.v1.AccountServiceGrpc;
import com.apindicators.webhooks.v1.GetAccountRequest;
import com.apindicators.webhooks.v1.GetAccountResponse;
import com.apindicators.webhooks.v1.SetPlanRequest;
import com.apindicators.webhooks.v1.SetPlanResponse;
import io.grpc.stub.StreamObserver;

/** The AccountService RPCs: validate, call {@link Accounts}, map. */
public final class AccountGrpcService extends AccountServiceGrpc.AccountServiceImplBase {
  private final Accounts accounts;

  public AccountGrpcService(Accounts accounts) {
    this.accounts = accounts;
  }

  @Override
  public void getAccount(GetAccountRequest request, StreamObserver<GetAccountResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      String accountId = Fields.accountId("account_id", request.getAccountId(), v);
      v.throwIfAny();
      Access.requireAccount(accountId);
      return GetAccountResponse.newBuilder().setAccount(ProtoMapper.account(accounts.get(accountId))).build();
    });
  }

  @Override
  public void setPlan(SetPlanRequest request, StreamObserver<SetPlanResponse> observer) {
    Rpc.unary(observer, () -> {
      Access.requireAdmin("Changing plans");
      Violations v = new Violations();
      String accountId = Fields.accountId("account_id", request.getAccountId(), v);
      Plan plan = ProtoMapper.plan(request.getPlan());
      if (plan == null) {
        v.add("plan", "must be one of PLAN_FREE, PLAN_STARTER, PLAN_PRO, PLAN_BUSINESS");
      }
      v.throwIfAny();
      return SetPlanResponse.newBuilder().setAccount(ProtoMapper.account(accounts.setPlan(accountId, plan))).build();
    });
  }
}
