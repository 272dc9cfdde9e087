package com.apindicators.webhooks.client;

import com.apindicators.webhooks.v1.*;
import com.google.protobuf.FieldMask;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A typed client for every RPC of the APIndicators Webhooks API, with an API key and a deadline on each call. */
public final class WebhooksClient implements AutoCloseable {
  /**
   * The least deadline a DeleteWebhook gets, whatever the client's deadline for other calls: a delete takes as long
   * as the webhook's history takes to delete, and may first wait its turn behind other deletes, while the server
   * stops it at its deadline and keeps the webhook.
   */
  public static final Duration DELETE_DEADLINE = Duration.ofMinutes(10);
  private final ManagedChannel owned;
  private final Channel channel;
  private final BearerToken token;
  private final Duration deadline;

  /** A client over an existing channel (not closed by {@link #close}). */
  public WebhooksClient(Channel channel, String apiKey, Duration deadline) {
    this(null, channel, apiKey, deadline);
  }

  private WebhooksClient(ManagedChannel owned, Channel channel, String apiKey, Duration deadline) {
    this.owned = owned;
    this.channel = channel;
    this.token = new BearerToken(apiKey);
    this.deadline = deadline;
  }

  /**
   * Connects to {@code host:port}; with a CA file, over TLS (and with a client certificate and key, mutual TLS).
   *
   * @param caFile PEM CA to trust, or null for plaintext
   */
  public static WebhooksClient connect(String target, String apiKey, File caFile, File clientCert, File clientKey)
      throws IOException {
    ChannelCredentials creds = InsecureChannelCredentials.create();
    if (caFile != null) {
      TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(caFile);
      if (clientCert != null) {
        b.keyManager(clientCert, clientKey);
      }
      creds = b.build();
    }
    ManagedChannel ch = Grpc.newChannelBuilder(target, creds).build();
    return new WebhooksClient(ch, ch, apiKey, Duration.ofSeconds(30));
  }

  private AccountServiceGrpc.AccountServiceBlockingStub accounts() {
    return AccountServiceGrpc.newBlockingStub(channel).withCallCredentials(token).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private WebhookServiceGrpc.WebhookServiceBlockingStub webhooks() {
    return WebhookServiceGrpc.newBlockingStub(channel).withCallCredentials(token).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private EventServiceGrpc.EventServiceBlockingStub events() {
    return EventServiceGrpc.newBlockingStub(channel).withCallCredentials(token).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private DeliveryServiceGrpc.DeliveryServiceBlockingStub deliveries() {
    return DeliveryServiceGrpc.newBlockingStub(channel).withCallCredentials(token).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private ApiKeyServiceGrpc.ApiKeyServiceBlockingStub keys() {
    return ApiKeyServiceGrpc.newBlockingStub(channel).withCallCredentials(token).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  public Account getAccount(String accountId) {
    return accounts().getAccount(GetAccountRequest.newBuilder().setAccountId(accountId).build()).getAccount();
  }

  public Account setPlan(String accountId, Plan plan) {
    return accounts().setPlan(SetPlanRequest.newBuilder().setAccountId(accountId).setPlan(plan).build()).getAccount();
  }

  public CreateWebhookResponse createWebhook(CreateWebhookRequest request) {
    return webhooks().createWebhook(request);
  }

  public Webhook getWebhook(String webhookId) {
    return webhooks().getWebhook(GetWebhookRequest.newBuilder().setWebhookId(webhookId).build()).getWebhook();
  }

  /** Every webhook of the account, fetching pages as needed. */
  public List<Webhook> listWebhooks(String accountId) {
    List<Webhook> all = new ArrayList<>();
    String token = "";
    do {
      ListWebhooksResponse page = webhooks().listWebhooks(ListWebhooksRequest.newBuilder().setAccountId(accountId)
          .setPageSize(500).setPageToken(token).build());
      all.addAll(page.getWebhooksList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return all;
  }

  public UpdateWebhookResponse updateWebhook(Webhook webhook, FieldMask mask) {
    return webhooks().updateWebhook(UpdateWebhookRequest.newBuilder().setWebhook(webhook).setUpdateMask(mask).build());
  }

  /** Enables a webhook, also one its disable policy disabled (clearing the reason and the failure count). */
  public Webhook enableWebhook(String webhookId) {
    return updateWebhook(Webhook.newBuilder().setWebhookId(webhookId).setEnabled(true).build(),
        FieldMask.newBuilder().addPaths("enabled").build()).getWebhook();
  }

  /** Sets when a webhook is disabled automatically; the default instance means never. */
  public Webhook setDisablePolicy(String webhookId, DisablePolicy policy) {
    return updateWebhook(Webhook.newBuilder().setWebhookId(webhookId).setDisablePolicy(policy).build(),
        FieldMask.newBuilder().addPaths("disable_policy").build()).getWebhook();
  }

  /** Deletes a webhook, waiting up to {@link #DELETE_DEADLINE} (or the client's deadline, if longer). */
  public void deleteWebhook(String webhookId) {
    long millis = Math.max(deadline.toMillis(), DELETE_DEADLINE.toMillis());
    WebhookServiceGrpc.newBlockingStub(channel).withCallCredentials(token).withDeadlineAfter(millis, TimeUnit.MILLISECONDS)
        .deleteWebhook(DeleteWebhookRequest.newBuilder().setWebhookId(webhookId).build());
  }

  public RotateSigningSecretResponse rotateSigningSecret(String webhookId) {
    return webhooks().rotateSigningSecret(RotateSigningSecretRequest.newBuilder().setWebhookId(webhookId).build());
  }

  public List<EventType> listEventTypes() {
    return webhooks().listEventTypes(ListEventTypesRequest.getDefaultInstance()).getEventTypesList();
  }

  public PublishEventResponse publish(PublishEventRequest request) {
    return events().publishEvent(request);
  }

  /** A webhook's deliveries, newest first, up to {@code limit}, fetching pages as needed. */
  public List<Delivery> listDeliveries(String webhookId, List<DeliveryStatus> statuses, int limit) {
    return listDeliveries(ListDeliveriesRequest.newBuilder().setWebhookId(webhookId).addAllStatuses(statuses).build(), limit);
  }

  /**
   * The deliveries a request lists (a webhook's, or with webhook_id empty an account's, with its filters), newest
   * first, up to {@code limit}, fetching pages as needed.
   */
  public List<Delivery> listDeliveries(ListDeliveriesRequest request, int limit) {
    requirePositive(limit);
    List<Delivery> all = new ArrayList<>();
    String token = "";
    do {
      ListDeliveriesResponse page = deliveries().listDeliveries(request.toBuilder()
          .setPageSize(Math.min(500, limit - all.size())).setPageToken(token).build());
      all.addAll(page.getDeliveriesList());
      token = page.getNextPageToken();
    } while (!token.isEmpty() && all.size() < limit);
    return all;
  }

  /** One page of the deliveries a request lists, as the server returned it. */
  public ListDeliveriesResponse listDeliveriesPage(ListDeliveriesRequest request) {
    return deliveries().listDeliveries(request);
  }

  /** Every attempt of a delivery, oldest first, fetching pages as needed. */
  public List<DeliveryAttempt> listDeliveryAttempts(String deliveryId) {
    List<DeliveryAttempt> all = new ArrayList<>();
    String token = "";
    do {
      ListDeliveryAttemptsResponse page = deliveries().listDeliveryAttempts(ListDeliveryAttemptsRequest.newBuilder()
          .setDeliveryId(deliveryId).setPageSize(500).setPageToken(token).build());
      all.addAll(page.getAttemptsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return all;
  }

  /** An account's events (empty: an account key's own), newest first, up to {@code limit}, fetching pages as needed. */
  public List<Event> listEvents(String accountId, List<String> eventTypes, int limit) {
    requirePositive(limit);
    List<Event> all = new ArrayList<>();
    String token = "";
    do {
      ListEventsResponse page = events().listEvents(ListEventsRequest.newBuilder().setAccountId(accountId)
          .addAllEventTypes(eventTypes).setPageSize(Math.min(500, limit - all.size())).setPageToken(token).build());
      all.addAll(page.getEventsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty() && all.size() < limit);
    return all;
  }

  /** One page of the events a request lists, as the server returned it. */
  public ListEventsResponse listEventsPage(ListEventsRequest request) {
    return events().listEvents(request);
  }

  /** Sends a stored event again: to these webhooks, or (none) to every subscribed one; the new deliveries. */
  public List<Delivery> resendEvent(String eventId, List<String> webhookIds) {
    return events().resendEvent(ResendEventRequest.newBuilder().setEventId(eventId).addAllWebhookIds(webhookIds).build())
        .getDeliveriesList();
  }

  public Delivery getDelivery(String deliveryId) {
    return deliveries().getDelivery(GetDeliveryRequest.newBuilder().setDeliveryId(deliveryId).build()).getDelivery();
  }

  public Delivery redeliver(String deliveryId) {
    return deliveries().redeliverDelivery(RedeliverDeliveryRequest.newBuilder().setDeliveryId(deliveryId).build()).getDelivery();
  }

  /**
   * Watches deliveries until closed, reconnecting with the last resume token after a disconnect, a server
   * restart or a cut-off, so no update is missed. Errors that reconnecting cannot fix go to {@code onError}.
   */
  public Watch watch(WatchDeliveriesRequest request, Consumer<WatchDeliveriesResponse> onUpdate, Consumer<Throwable> onError) {
    return new Watch(DeliveryServiceGrpc.newStub(channel).withCallCredentials(token), request, onUpdate, onError);
  }

  private static void requirePositive(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, not " + limit);
    }
  }

  public CreateApiKeyResponse createApiKey(String accountId, String name) {
    return keys().createApiKey(CreateApiKeyRequest.newBuilder().setAccountId(accountId).setName(name).build());
  }

  /** Every API key the caller may see, fetching pages as needed. */
  public List<ApiKey> listApiKeys() {
    List<ApiKey> all = new ArrayList<>();
    String token = "";
    do {
      ListApiKeysResponse page = keys().listApiKeys(ListApiKeysRequest.newBuilder().setPageSize(500)
          .setPageToken(token).build());
      all.addAll(page.getApiKeysList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return all;
  }

  public void revokeApiKey(String keyId) {
    keys().revokeApiKey(RevokeApiKeyRequest.newBuilder().setKeyId(keyId).build());
  }

  @Override
  public void close() throws InterruptedException {
    if (owned != null) {
      owned.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
