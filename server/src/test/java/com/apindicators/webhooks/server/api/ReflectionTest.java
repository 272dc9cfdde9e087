package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.ServerExtension;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Server reflection answers both protocol versions without an API key: tools that speak only v1alpha work too. */
class ReflectionTest {
  @RegisterExtension static final ServerExtension ext = new ServerExtension();
  static final GrpcTestServer grpc = ext.server();
  static final List<String> OURS = List.of("apindicators.webhooks.v1.AccountService", "apindicators.webhooks.v1.ApiKeyService",
      "apindicators.webhooks.v1.DeliveryService", "apindicators.webhooks.v1.EventService",
      "apindicators.webhooks.v1.WebhookService", "grpc.health.v1.Health");

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
