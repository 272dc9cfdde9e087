package com.apindicators.webhooks.server.api;

import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.WebhooksServer;
import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.server.config.Transport;
import com.apindicators.webhooks.server.security.ApiKeys;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.store.Database;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Bytes that are not the request message answer INVALID_ARGUMENT over a real connection, logged in one line. */
class MalformedRequestTest {
  private static final String V1 = "apindicators.webhooks.v1.";
  /** Held so the JUL logger, and the handler on it, stay alive. */
  private static final java.util.logging.Logger GRPC_JUL = java.util.logging.Logger.getLogger("io.grpc");
  private static final List<LogRecord> julRecords = new CopyOnWriteArrayList<>();
  private static final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private static final Handler julHandler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
        julRecords.add(r);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private static WebhooksServer server;
  private static ManagedChannel raw;
  private static Channel channel;

  @BeforeAll
  static void start() throws Exception {
    Database db = TestDatabase.clean();
    ApiKeys keys = new ApiKeys(db.jdbi());
    server = new WebhooksServer(Transport.netty("127.0.0.1", 0, Transport.Tls.NONE), db,
        ServerConfig.defaults(), keys, SecretBox.random());
    server.start();
    raw = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    channel = GrpcTestServer.withKey(raw, keys.create(null, "malformed test").apiKey());
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    logs.start();
    GRPC_JUL.addHandler(julHandler);
  }

  @AfterAll
  static void stop() throws Exception {
    GRPC_JUL.removeHandler(julHandler);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.stop();
  }

  @BeforeEach
  void clearLogs() {
    logs.list.clear();
    julRecords.clear();
  }

  @Test
  void invalidUtf8InAStringFieldIsInvalidArgument() {
    // GetDeliveryRequest.delivery_id (field 1, length-delimited) = 0xC3 0x28, not UTF-8
    assertMalformed("DeliveryService/GetDelivery", new byte[] {0x0a, 0x02, (byte) 0xc3, 0x28});
  }

  @Test
  void aTruncatedVarintIsInvalidArgument() {
    // ListDeliveriesRequest.page_size (field 3, varint) whose bytes all say "more follows"
    assertMalformed("DeliveryService/ListDeliveries", new byte[] {0x18, (byte) 0xff, (byte) 0xff});
  }

  @Test
  void aLengthPastTheEndIsInvalidArgument() {
    assertMalformed("WebhookService/CreateWebhook", new byte[] {0x12, 0x7f, 'a', 'b'});
  }

  @Test
  void aStructNestedPastProtobufsLimitIsInvalidArgument() {
    Struct s = Struct.getDefaultInstance();
    for (int i = 0; i < 40; i++) {
      s = Struct.newBuilder().putFields("a", Value.newBuilder().setStructValue(s).build()).build();
    }
    byte[] deep = PublishEventRequest.newBuilder().setType("signal.buy").setAccountId("m").setData(s).build().toByteArray();
    assertMalformed("EventService/PublishEvent", deep);
  }

  @Test
  void aServerStreamingCallAndTheHealthServiceAreGuardedToo() {
    assertMalformed("DeliveryService/WatchDeliveries", new byte[] {0x0a, 0x01, (byte) 0xff});
    StatusAssert e = failing(() -> ClientCalls.blockingUnaryCall(raw, bytesMethod("grpc.health.v1.Health/Check",
        MethodDescriptor.MethodType.UNARY), CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
        new byte[] {0x0a, 0x01, (byte) 0xff}));
    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.reason()).isEqualTo("MALFORMED_REQUEST");
  }

  @Test
  void anExceptionEscapingAServiceIsInternalWithAGenericMessageLoggedInOneLine() throws Exception {
    MethodDescriptor<byte[], byte[]> boom = bytesMethod("test.Boom/Boom", MethodDescriptor.MethodType.UNARY);
    ServerServiceDefinition service = ServerServiceDefinition.builder("test.Boom")
        .addMethod(boom, ServerCalls.asyncUnaryCall((request, observer) -> {
          throw new IllegalStateException("secret internals");
        })).build();
    String name = InProcessServerBuilder.generateName();
    Server s = InProcessServerBuilder.forName(name).addService(CallGuard.wrap(() -> service)).build().start();
    ManagedChannel c = InProcessChannelBuilder.forName(name).build();
    try {
      StatusAssert e = failing(() -> ClientCalls.blockingUnaryCall(c, boom, CallOptions.DEFAULT, new byte[0]));
      assertThat(e.code()).isEqualTo(Status.Code.INTERNAL);
      assertThat(e.reason()).isEqualTo("INTERNAL");
      assertThat(e.message()).doesNotContain("secret internals");
      assertOneLineLogged();
    } finally {
      c.shutdownNow();
      s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void reflectionStillListsAndDescribesTheGuardedServices() throws Exception {
    var responses = new java.util.concurrent.LinkedBlockingQueue<ServerReflectionResponse>();
    var requests = ServerReflectionGrpc.newStub(raw).serverReflectionInfo(new io.grpc.stub.StreamObserver<>() {
      @Override
      public void onNext(ServerReflectionResponse r) {
        responses.add(r);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onNext(ServerReflectionRequest.newBuilder().setFileContainingSymbol(V1 + "WebhookService").build());
    ServerReflectionResponse list = responses.poll(10, TimeUnit.SECONDS);
    ServerReflectionResponse file = responses.poll(10, TimeUnit.SECONDS);
    requests.onCompleted();
    assertThat(list.getListServicesResponse().getServiceList()).extracting(s -> s.getName())
        .contains(V1 + "WebhookService", V1 + "DeliveryService", "grpc.health.v1.Health");
    assertThat(file.getFileDescriptorResponse().getFileDescriptorProtoCount()).isPositive();
  }

  private static void assertMalformed(String method, byte[] body) {
    MethodDescriptor.MethodType type = method.endsWith("WatchDeliveries")
        ? MethodDescriptor.MethodType.SERVER_STREAMING : MethodDescriptor.MethodType.UNARY;
    MethodDescriptor<byte[], byte[]> m = bytesMethod(V1 + method, type);
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
    StatusAssert e = failing(() -> {
      if (type == MethodDescriptor.MethodType.SERVER_STREAMING) {
        ClientCalls.blockingServerStreamingCall(channel, m, options, body).hasNext();
      } else {
        ClientCalls.blockingUnaryCall(channel, m, options, body);
      }
    });
    assertThat(e.code()).as(e.message()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.reason()).isEqualTo("MALFORMED_REQUEST");
    assertThat(e.message()).startsWith("The request is not a valid " + V1);
    assertOneLineLogged();
  }

  /** The server logged exactly one line, without a stack trace, and gRPC itself logged no warning. */
  private static void assertOneLineLogged() {
    List<ILoggingEvent> lines = logs.list.stream()
        .filter(l -> l.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO)).toList();
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0).getThrowableProxy()).isNull();
    assertThat(lines.get(0).getFormattedMessage()).doesNotContain("\n");
    assertThat(julRecords).isEmpty();
  }

  private static MethodDescriptor<byte[], byte[]> bytesMethod(String fullName, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder(BYTES, BYTES).setFullMethodName(fullName).setType(type).build();
  }

  /** Requests and answers as raw bytes, so a test can send anything (also used by other tests here). */
  static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
}
