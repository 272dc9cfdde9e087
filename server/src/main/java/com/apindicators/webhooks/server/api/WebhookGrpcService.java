package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.registry.DeleteStoppedException;
import com.apindicators.webhooks.server.registry.DisablePolicy;
import com.apindicators.webhooks.server.registry.EventCatalog;
import com.apindicators.webhooks.server.registry.EventFilter;
import com.apindicators.webhooks.server.registry.NewWebhook;
import com.apindicators.webhooks.server.registry.PlanLimitReachedException;
import com.apindicators.webhooks.server.registry.RetrySettings;
import com.apindicators.webhooks.server.registry.Webhook;
import com.apindicators.webhooks.server.registry.WebhookChange;
import com.apindicators.webhooks.server.registry.Webhooks;
import com.apindicators.webhooks.server.security.TargetGuard;
import com.apindicators.webhooks.v1.*;
import com.google.rpc.Code;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The WebhookService RPCs: validate, call {@link Webhooks}, map. */
public final class WebhookGrpcService extends WebhookServiceGrpc.WebhookServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(WebhookGrpcService.class);
  private static final String LIST_KIND = "webhooks";
  private static final Set<String> UPDATABLE =
      Set.of("name", "url", "events", "enabled", "retry_policy", "filter", "disable_policy");
  private final Webhooks webhooks;
  private final TargetGuard guard;
  private final Pages pages;

  public WebhookGrpcService(Webhooks webhooks, TargetGuard guard, Pages pages) {
    this.pages = pages;
    this.webhooks = webhooks;
    this.guard = guard;
  }

  @Override
  public void createWebhook(CreateWebhookRequest r, StreamObserver<CreateWebhookResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      String accountId = Fields.accountId("account_id", r.getAccountId(), v);
      String name = WebhookRequests.name("name", r.getName(), v);
      String url = WebhookRequests.url("url", r.getUrl(), guard, v);
      List<String> events = WebhookRequests.events("events", r.getEventsList(), v);
      RetrySettings retry = WebhookRequests.retry("retry_policy", r.hasRetryPolicy(), r.getRetryPolicy(), v);
      EventFilter filter = WebhookRequests.filter("filter", r.hasFilter(), r.getFilter(), v);
      DisablePolicy disable = WebhookRequests.disablePolicy("disable_policy", r.hasDisablePolicy(), r.getDisablePolicy(), v);
      v.throwIfAny();
      Access.requireAccount(accountId);
      try {
        Webhooks.WithSecret created = webhooks.create(new NewWebhook(accountId, name, url, events, retry, filter, disable));
        return CreateWebhookResponse.newBuilder()
            .setWebhook(ProtoMapper.webhook(created.webhook()))
            .setSigningSecret(created.signingSecret())
            .addAllWarnings(WebhookRequests.warnings(url))
            .build();
      } catch (PlanLimitReachedException e) {
        throw Errors.of(Code.FAILED_PRECONDITION, "PLAN_LIMIT_REACHED", e.getMessage(),
            Map.of("plan", e.plan().displayName(), "limit", Integer.toString(e.limit())));
      }
    });
  }

  @Override
  public void getWebhook(GetWebhookRequest r, StreamObserver<GetWebhookResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      String id = Fields.resourceId("webhook_id", r.getWebhookId(), "wh_", v);
      v.throwIfAny();
      Webhook w = visible(id);
      return GetWebhookResponse.newBuilder().setWebhook(ProtoMapper.webhook(w)).build();
    });
  }

  @Override
  public void listWebhooks(ListWebhooksRequest r, StreamObserver<ListWebhooksResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      String accountId = Fields.accountId("account_id", r.getAccountId(), v);
      int size = Pages.size(r.getPageSize(), v);
      long after = pages.position(LIST_KIND + "/" + accountId, r.getPageToken(), v);
      v.throwIfAny();
      Access.requireAccount(accountId);
      Webhooks.Page page = webhooks.list(accountId, after, size);
      ListWebhooksResponse.Builder b = ListWebhooksResponse.newBuilder();
      page.webhooks().forEach(w -> b.addWebhooks(ProtoMapper.webhook(w)));
      page.nextAfterSeq().ifPresent(seq -> b.setNextPageToken(pages.token(LIST_KIND + "/" + accountId, seq)));
      return b.build();
    });
  }

  @Override
  public void updateWebhook(UpdateWebhookRequest r, StreamObserver<UpdateWebhookResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      com.apindicators.webhooks.v1.Webhook w = r.getWebhook();
      String id = Fields.resourceId("webhook.webhook_id", w.getWebhookId(), "wh_", v);
      List<String> paths = r.getUpdateMask().getPathsList();
      if (paths.isEmpty()) {
        v.add("update_mask", "must name the fields to change: " + String.join(", ", UPDATABLE.stream().sorted().toList()));
      }
      for (String p : paths) {
        if (!UPDATABLE.contains(p)) {
          v.add("update_mask", Fields.quote(p)
              + " cannot be changed; changeable: name, url, events, enabled, retry_policy, filter, disable_policy");
        }
      }
      String name = paths.contains("name") ? WebhookRequests.name("webhook.name", w.getName(), v) : null;
      String url = paths.contains("url") ? WebhookRequests.url("webhook.url", w.getUrl(), guard, v) : null;
      List<String> events = paths.contains("events") ? WebhookRequests.events("webhook.events", w.getEventsList(), v) : null;
      Boolean enabled = paths.contains("enabled") ? w.getEnabled() : null;
      RetrySettings retry = paths.contains("retry_policy")
          ? WebhookRequests.retry("webhook.retry_policy", w.hasRetryPolicy(), w.getRetryPolicy(), v) : null;
      EventFilter filter = paths.contains("filter")
          ? WebhookRequests.filter("webhook.filter", w.hasFilter(), w.getFilter(), v) : null;
      DisablePolicy disable = paths.contains("disable_policy")
          ? WebhookRequests.disablePolicy("webhook.disable_policy", w.hasDisablePolicy(), w.getDisablePolicy(), v) : null;
      v.throwIfAny();
      visible(id);
      Webhook updated = webhooks.update(id, new WebhookChange(name, url, events, enabled, retry, filter, disable))
          .orElseThrow(() -> Errors.notFound("webhook", id));
      return UpdateWebhookResponse.newBuilder()
          .setWebhook(ProtoMapper.webhook(updated))
          .addAllWarnings(url != null ? WebhookRequests.warnings(url) : List.of())
          .build();
    });
  }

  @Override
  public void deleteWebhook(DeleteWebhookRequest r, StreamObserver<DeleteWebhookResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      String id = Fields.resourceId("webhook_id", r.getWebhookId(), "wh_", v);
      v.throwIfAny();
      Webhook w = visible(id);
      Context call = Context.current();
      try {
        if (!webhooks.delete(id, w.accountId(), call::isCancelled)) {
          throw Errors.notFound("webhook", id);
        }
      } catch (DeleteStoppedException e) {
        throw stopped(call, id, e.deliveriesDeleted());
      }
      return DeleteWebhookResponse.getDefaultInstance();
    });
  }

  @Override
  public void rotateSigningSecret(RotateSigningSecretRequest r, StreamObserver<RotateSigningSecretResponse> observer) {
    Rpc.unary(observer, () -> {
      Violations v = new Violations();
      String id = Fields.resourceId("webhook_id", r.getWebhookId(), "wh_", v);
      v.throwIfAny();
      visible(id);
      Webhooks.WithSecret rotated = webhooks.rotateSecret(id).orElseThrow(() -> Errors.notFound("webhook", id));
      return RotateSigningSecretResponse.newBuilder()
          .setWebhook(ProtoMapper.webhook(rotated.webhook())).setSigningSecret(rotated.signingSecret()).build();
    });
  }

  /** CANCELLED, or DEADLINE_EXCEEDED, for a delete that stopped because its call did (seen only in logs and metrics). */
  private static StatusRuntimeException stopped(Context call, String id, long deliveriesDeleted) {
    boolean deadline = call.getDeadline() != null && call.getDeadline().isExpired();
    StatusRuntimeException s = Errors.of(deadline ? Code.DEADLINE_EXCEEDED : Code.CANCELLED, "DELETE_STOPPED",
        "The delete stopped because" + (deadline ? " its deadline passed" : " the call was cancelled")
        + ", after deleting " + deliveriesDeleted + " of the webhook's deliveries (they stay deleted); the webhook and"
        + " its other deliveries remain. Call DeleteWebhook again to finish, with a longer deadline for a webhook with"
        + " a long history.", Map.of("id", id, "deliveries_deleted", Long.toString(deliveriesDeleted)));
    // The client has gone: this line is where an operator learns why the webhook is still there.
    log.info("DeleteWebhook of {} DELETE_STOPPED: {}", id, s.getStatus().getDescription());
    return s;
  }

  /** The webhook if the caller may see it; NOT_FOUND otherwise, also for another account's. */
  private Webhook visible(String id) {
    Webhook w = webhooks.get(id).orElseThrow(() -> Errors.notFound("webhook", id));
    if (!Access.mayAccess(w.accountId())) {
      throw Access.hidden("webhook", id);
    }
    return w;
  }

  @Override
  public void listEventTypes(ListEventTypesRequest r, StreamObserver<ListEventTypesResponse> observer) {
    Rpc.unary(observer, () -> {
      ListEventTypesResponse.Builder b = ListEventTypesResponse.newBuilder();
      EventCatalog.all().forEach((name, description) ->
          b.addEventTypes(EventType.newBuilder().setName(name).setDescription(description)));
      return b.build();
    });
  }
}
