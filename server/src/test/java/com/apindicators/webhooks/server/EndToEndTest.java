package com.apindicators.webhooks.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.v1.*;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server as {@code java -jar} runs it, over Netty, on its embedded PostgreSQL. */
class EndToEndTest {
  @TempDir Path dataDir;

  @Test
  void serverRunsOnItsEmbeddedDatabaseKeepsDataAcrossRestartsAndStopsCleanly() throws Exception {
    String webhookId;
    try (ServerProcess server = ServerProcess.start("--data-dir", dataDir.toString())) {
      assertThat(server.output()).as("port %d", server.port()).anyMatch(l -> l.contains("listening on port " + server.port() + " "));
      assertThat(server.output()).anyMatch(l -> l.contains("embedded PostgreSQL in " + dataDir.resolve("postgres")));
      Path keyFile = dataDir.resolve("admin.key");
      assertThat(server.output()).anyMatch(l -> l.contains("admin API key") && l.contains(keyFile.toString()));
      assertThat(java.nio.file.Files.getPosixFilePermissions(keyFile))
          .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
              java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
      String key = Files.readString(keyFile).strip();
      assertThat(server.output()).noneMatch(l -> l.contains(key));
      ManagedChannel raw = channel(server.port());
      io.grpc.Channel channel = GrpcTestServer.withKey(raw, key);
      try {
        assertThat(HealthGrpc.newBlockingStub(raw).check(HealthCheckRequest.getDefaultInstance()).getStatus())
            .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        AccountServiceGrpc.newBlockingStub(channel).setPlan(
            SetPlanRequest.newBuilder().setAccountId("e2e").setPlan(Plan.PLAN_STARTER).build());
        webhookId = WebhookServiceGrpc.newBlockingStub(channel).createWebhook(CreateWebhookRequest.newBuilder()
            .setAccountId("e2e").setName("Desk").setUrl("https://desk.example.com/h").addEvents("signal.sell").build())
            .getWebhook().getWebhookId();
      } finally {
        raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      assertThat(server.stop()).as("exit code after SIGTERM").isIn(0, 143);
    }
    assertThat(Files.exists(dataDir.resolve("postgres").resolve("postmaster.pid")))
        .as("embedded PostgreSQL stopped with the server").isFalse();

    try (ServerProcess again = ServerProcess.start("--data-dir", dataDir.toString())) {
      ManagedChannel raw = channel(again.port());
      io.grpc.Channel channel = GrpcTestServer.withKey(raw, Files.readString(dataDir.resolve("admin.key")).strip());
      try {
        Webhook w = WebhookServiceGrpc.newBlockingStub(channel)
            .getWebhook(GetWebhookRequest.newBuilder().setWebhookId(webhookId).build()).getWebhook();
        assertThat(w.getName()).isEqualTo("Desk");
        Account a = AccountServiceGrpc.newBlockingStub(channel)
            .getAccount(GetAccountRequest.newBuilder().setAccountId("e2e").build()).getAccount();
        assertThat(a.getPlan()).isEqualTo(Plan.PLAN_STARTER);
        assertThat(a.getWebhookCount()).isEqualTo(1);
      } finally {
        raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  static ManagedChannel channel(int port) {
    return Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create()).build();
  }
}
