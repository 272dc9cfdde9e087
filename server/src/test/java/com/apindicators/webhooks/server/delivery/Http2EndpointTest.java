package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.Message;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.http.impl.bootstrap.HttpAsyncServer;
import org.apache.hc.core5.http.nio.AsyncRequestConsumer;
import org.apache.hc.core5.http.nio.AsyncServerRequestHandler;
import org.apache.hc.core5.http.nio.entity.BasicAsyncEntityConsumer;
import org.apache.hc.core5.http.nio.support.AsyncResponseBuilder;
import org.apache.hc.core5.http.nio.support.BasicRequestConsumer;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.http2.impl.nio.bootstrap.H2ServerBootstrap;
import org.apache.hc.core5.http2.ssl.H2ServerTlsStrategy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.ListenerEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Endpoints are sent HTTP/1.1, also those that offer HTTP/2: over HTTP/2 an endpoint can make the client answer
 * control frames without end (a PING flood kept one of its I/O threads, shared by every tenant's sends, 85% busy).
 */
class Http2EndpointTest {
  private final SecretBox box = SecretBox.random();
  private final List<ProtocolVersion> versions = new CopyOnWriteArrayList<>();
  private HttpAsyncServer receiver;
  private TestTls tls;
  private int port;

  @TempDir
  Path dir;

  /** Offers HTTP/2 and HTTP/1.1 (ALPN), as most servers over TLS do, and answers 200 "ok". */
  @BeforeEach
  void http2Receiver() throws Exception {
    tls = new TestTls(dir);
    receiver = H2ServerBootstrap.bootstrap()
        .setVersionPolicy(HttpVersionPolicy.NEGOTIATE)
        .setTlsStrategy(new H2ServerTlsStrategy(tls.server))
        .register("*", new AsyncServerRequestHandler<Message<HttpRequest, byte[]>>() {
          @Override
          public AsyncRequestConsumer<Message<HttpRequest, byte[]>> prepare(HttpRequest request, EntityDetails entity,
              HttpContext context) {
            return new BasicRequestConsumer<>(entity != null ? new BasicAsyncEntityConsumer() : null);
          }

          @Override
          public void handle(Message<HttpRequest, byte[]> message, ResponseTrigger trigger, HttpContext context)
              throws java.io.IOException, org.apache.hc.core5.http.HttpException {
            versions.add(context.getProtocolVersion());
            trigger.submitResponse(AsyncResponseBuilder.create(200).setEntity("ok").build(), context);
          }
        })
        .create();
    receiver.start();
    ListenerEndpoint endpoint = receiver.listen(new InetSocketAddress("127.0.0.1", 0), URIScheme.HTTPS).get();
    port = ((InetSocketAddress) endpoint.getAddress()).getPort();
  }

  @AfterEach
  void stop() {
    if (tls != null) {
      tls.close();
    }
    if (receiver != null) {
      receiver.close(CloseMode.IMMEDIATE);
    }
  }

  private static InetAddress[] lookup(String host) {
    return new InetAddress[] {InetAddress.getLoopbackAddress()};
  }

  private HttpSender sender() {
    return new HttpSender(new TargetGuard(true, Http2EndpointTest::lookup), box, Duration.ofSeconds(10), 4);
  }

  @Test
  void anEndpointOfferingHttp2IsSentHttp11() throws Exception {
    try (HttpSender sender = sender()) {
      for (int i = 0; i < 2; i++) {
        AttemptResult result = TestJobs.attempt(sender, TestJobs.to("localhost", "https://localhost:" + port + "/h", box));
        assertThat(result.error()).isEmpty();
        assertThat(result.responseBody()).isEqualTo("ok");
      }
    }
    assertThat(versions).hasSize(2).allSatisfy(v -> assertThat(v.format()).isEqualTo("HTTP/1.1"));
  }

  @Test
  void anEndpointThatSpeaksOnlyHttp2IsNotSpokenToAndCannotFloodTheClient() throws Exception {
    try (HostileHttp2Receiver hostile = new HostileHttp2Receiver(tls.server); HttpSender sender = sender()) {
      AttemptResult result = TestJobs.attempt(sender, TestJobs.to("localhost", "https://localhost:" + hostile.port() + "/", box));
      // Over HTTP/2 this endpoint answers 200 and then floods the connection with PINGs the client must answer.
      assertThat(result.delivered()).isFalse();
      assertThat(result.error()).startsWith("TLS error: the endpoint speaks only HTTP/2");
      assertThat(hostile.requests()).isZero();
    }
  }
}
