package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.security.ApiKey;
import com.apindicators.webhooks.server.security.ApiKeys;
import com.apindicators.webhooks.v1.ApiKeyServiceGrpc;
import com.apindicators.webhooks.v1.CreateApiKeyRequest;
import com.apindicators.webhooks.v1.CreateApiKeyResponse;
import com.apindicators.webhooks.v1.ListApiKeysRequest;
import com.apindicators.webhooks.v1.ListApiKeysResponse;
import com.apindicators.webhooks.v1.RevokeApiKeyRequest;
import com.apindicators.webhooks.v1.RevokeApiKeyResponse;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** The ApiKeyService RPCs, for admin keys only. */
public final class ApiKeyGrpcService extends ApiKeyServiceGrpc.ApiKeyServiceImplBase {
  private static final String LIST_KIND = "apikeys";
  private final ApiKeys keys;
  private final Pages pages;

  public ApiKeyGrpcService(ApiKeys keys, Pages pages) {
    this.pages = pages;
    this.keys = keys;
  }

  @Override
  public void createApiKey(CreateApiKeyRequest r, StreamObserver<CreateApiKeyResponse> observer) {
    Rpc.unary(observer, () -> {
      Access.requireAdmin("Creating API keys");
      Violations v = new Violations();
      String account = r.getAccountId().isEmpty() ? null : Fields.accountId("account_id", r.getAccountId(), v);
      String name = WebhookRequests.name("name", r.getName(), v);
      v.throwIfAny();
      ApiKeys.Created created = keys.create(account, name);
      return CreateApiKeyResponse.newBuilder().setApiKey(created.apiKey()).setKeyId(created.keyId()).build();
    });
  }

  @Override
  public void listApiKeys(ListApiKeysRequest r, StreamObserver<ListApiKeysResponse> observer) {
    Rpc.unary(observer, () -> {
      Access.requireAdmin("Listing API keys");
      Violations v = new Violations();
      int size = Pages.size(r.getPageSize(), v);
      long after = pages.position(LIST_KIND, r.getPageToken(), v);
      v.throwIfAny();
      List<ApiKey> page = keys.list(after, size + 1);
      ListApiKeysResponse.Builder b = ListApiKeysResponse.newBuilder();
      page.stream().limit(size).forEach(k -> b.addApiKeys(com.apindicators.webhooks.v1.ApiKey.newBuilder()
          .setKeyId(k.keyId()).setAccountId(k.accountId() == null ? "" : k.accountId()).setName(k.name())
          .setCreateTime(ProtoMapper.timestamp(k.createTime()))));
      if (page.size() > size) {
        b.setNextPageToken(pages.token(LIST_KIND, page.get(size - 1).seq()));
      }
      return b.build();
    });
  }

  @Override
  public void revokeApiKey(RevokeApiKeyRequest r, StreamObserver<RevokeApiKeyResponse> observer) {
    Rpc.unary(observer, () -> {
      Access.requireAdmin("Revoking API keys");
      Violations v = new Violations();
      String id = Fields.resourceId("key_id", r.getKeyId(), ApiKeys.PREFIX, v);
      v.throwIfAny();
      if (!keys.revoke(id)) {
        throw Errors.notFound("api key", id);
      }
      return RevokeApiKeyResponse.getDefaultInstance();
    });
  }
}
