package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.GrpcTestServer;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Server reflection answers both protocol versions without an API key: tools that speak only v1alpha work too. */
class ReflectionTest {
  static GrpcTestServer grpc;
  static final List<String> OURS = List.of("apindicators.webhooks.v1.AccountService", "apindicators.webhooks.v1.ApiKeyService",
      "apindicators.webhooks.v1.DeliveryService", "apindicators.webhooks.v1.EventService",
      "apindicators.webhooks.v1.WebhookService", "grpc.health.v1.Health");

  @BeforeAll
  static void start() throws Exception {
    grpc = GrpcTestServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    grpc.close();
  }

  @Test
  @SuppressWarnings("deprecation")
  void v1alphaListsOurServices() throws Exception {
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    var call = io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(grpc.raw).serverReflectionInfo(new StreamObserver<>() {
      @Override
      public void onNext(io.grpc.reflection.v1alpha.ServerReflectionResponse r) {
        List<String> out = new ArrayList<>();
        r.getListServicesResponse().getServiceList().forEach(s -> out.add(s.getName()));
        names.complete(out);
      }

      @Override
      public void onError(Throwable t) {
        names.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    });
    call.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("*").build());
    assertThat(names.get(10, TimeUnit.SECONDS)).containsAll(OURS);
    call.onCompleted();
  }

  @Test
  void v1ListsOurServices() throws Exception {
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    var call = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(grpc.raw).serverReflectionInfo(new StreamObserver<>() {
      @Override
      public void onNext(io.grpc.reflection.v1.ServerReflectionResponse r) {
        List<String> out = new ArrayList<>();
        r.getListServicesResponse().getServiceList().forEach(s -> out.add(s.getName()));
        names.complete(out);
      }

      @Override
      public void onError(Throwable t) {
        names.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    });
    call.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("*").build());
    assertThat(names.get(10, TimeUnit.SECONDS)).containsAll(OURS);
    call.onCompleted();
  }
}
