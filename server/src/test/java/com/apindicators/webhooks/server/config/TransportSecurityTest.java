package com.apindicators.webhooks.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.WebhooksServer;
import com.apindicators.webhooks.server.security.ApiKeys;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.ListEventTypesRequest;
import com.apindicators.webhooks.v1.WebhookServiceGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransportSecurityTest {
  @TempDir static Path dir;
  static TestCertificates certs;
  private WebhooksServer server;
  private String adminKey;

  @BeforeAll
  static void makeCertificates() throws Exception {
    certs = new TestCertificates(dir);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop();
    }
  }

  private int start(Transport.Tls tls) throws Exception {
    var db = TestDatabase.clean();
    ApiKeys keys = new ApiKeys(db.jdbi());
    adminKey = keys.create(null, "tls test").apiKey();
    server = new WebhooksServer(Transport.netty(0, tls), db, ServerConfig.defaults(), keys, SecretBox.random());
    server.start();
    return server.port();
  }

  private String call(ChannelCredentials creds, String host, int port) throws Exception {
    ManagedChannel ch = Grpc.newChannelBuilderForAddress(host, port, creds).build();
    try {
      return WebhookServiceGrpc.newBlockingStub(GrpcTestServer.withKey(ch, adminKey)).withDeadlineAfter(10, TimeUnit.SECONDS)
          .listEventTypes(ListEventTypesRequest.getDefaultInstance()).getEventTypes(0).getName();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode().name();
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void tlsServesVerifiedClientsAndRefusesPlaintext() throws Exception {
    int port = start(new Transport.Tls(certs.serverCert, certs.serverKey, null));
    ChannelCredentials tls = TlsChannelCredentials.newBuilder().trustManager(certs.caCert.toFile()).build();
    assertThat(call(tls, "localhost", port)).isEqualTo("signal.buy");
    assertThat(call(InsecureChannelCredentials.create(), "localhost", port)).isEqualTo("UNAVAILABLE");
  }

  @Test
  void mutualTlsRequiresAClientCertificate() throws Exception {
    int port = start(new Transport.Tls(certs.serverCert, certs.serverKey, certs.caCert));
    ChannelCredentials withCert = TlsChannelCredentials.newBuilder().trustManager(certs.caCert.toFile())
        .keyManager(certs.clientCert.toFile(), certs.clientKey.toFile()).build();
    ChannelCredentials withoutCert = TlsChannelCredentials.newBuilder().trustManager(certs.caCert.toFile()).build();
    assertThat(call(withCert, "localhost", port)).isEqualTo("signal.buy");
    assertThat(call(withoutCert, "localhost", port)).isEqualTo("UNAVAILABLE");
  }

  @Test
  void oversizedMessagesAndMetadataAreRefusedWithoutHurtingOthers() throws Exception {
    int port = start(Transport.Tls.NONE);
    ManagedChannel ch = Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create()).build();
    try {
      var stub = WebhookServiceGrpc.newBlockingStub(GrpcTestServer.withKey(ch, adminKey));
      StatusRuntimeException big = catchThrowableOfType(StatusRuntimeException.class, () -> stub.createWebhook(
          CreateWebhookRequest.newBuilder().setAccountId("a").setName("n".repeat(2 << 20)).build()));
      assertThat(big.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      Metadata huge = new Metadata();
      huge.put(Metadata.Key.of("x-padding", Metadata.ASCII_STRING_MARSHALLER), "p".repeat(16 * 1024));
      StatusRuntimeException headers = catchThrowableOfType(StatusRuntimeException.class, () -> stub
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(huge)).listEventTypes(ListEventTypesRequest.getDefaultInstance()));
      assertThat(headers).isNotNull();
      assertThat(headers.getStatus().getCode()).isIn(Status.Code.RESOURCE_EXHAUSTED, Status.Code.INTERNAL, Status.Code.UNAVAILABLE);
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(call(InsecureChannelCredentials.create(), "127.0.0.1", port)).isEqualTo("signal.buy");
  }
}
