package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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
 * A receiver that offers HTTP/2 (over TLS, by ALPN) is sent to over it, and its answer's header list is bounded as an
 * HTTP/1.1 answer's header section is ({@link HttpSender#MAX_HEADER_LIST}; the library's own bound is 16 MiB): beyond
 * it the attempt fails at once with an error that says so, and the sender goes on delivering.
 */
class Http2DeliveryTest {
  /** Each padding field's value; a field counts its name, value and 32 bytes toward the list's size. */
  private static final String PAD = "p".repeat(1000);
  private final SecretBox box = SecretBox.random();
  private final List<ProtocolVersion> versions = new CopyOnWriteArrayList<>();
  private HttpAsyncServer receiver;
  private TestTls tls;
  private int port;

  @TempDir
  Path dir;

  /** Answers 200 "ok" to a POST to {@code /pad/N} with N padding header fields of about 1 KiB each. */
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
            AsyncResponseBuilder answer = AsyncResponseBuilder.create(200).setEntity("ok");
            String path = message.getHead().getPath();
            int fields = path.startsWith("/pad/") ? Integer.parseInt(path.substring(5)) : 0;
            for (int i = 0; i < fields; i++) {
              answer.addHeader("x-pad-" + i, PAD);
            }
            trigger.submitResponse(answer.build(), context);
          }
        })
        .create();
    receiver.start();
    ListenerEndpoint endpoint = receiver.listen(new InetSocketAddress("127.0.0.1", 0), URIScheme.HTTPS).get();
    port = ((InetSocketAddress) endpoint.getAddress()).getPort();
  }

  @AfterEach
  void stop() {
    receiver.close(CloseMode.IMMEDIATE);
    tls.close();
  }

  private static InetAddress[] lookup(String host) {
    return new InetAddress[] {InetAddress.getLoopbackAddress()};
  }

  private static AttemptResult send(HttpSender sender, DeliveryJob job) throws Exception {
    CompletableFuture<AttemptResult> result = new CompletableFuture<>();
    sender.send(job, result::complete);
    return result.get(15, TimeUnit.SECONDS);
  }

  private DeliveryJob job(String path) {
    return TestJobs.to("localhost", "https://localhost:" + port + path, box);
  }

  @Test
  void aReceiverOfferingHttp2IsSentToOverItAndAHeaderListBeyondTheBoundFailsWithoutStoppingTheNext() throws Exception {
    int fieldSize = "x-pad-100".length() + PAD.length() + 32;
    int under = HttpSender.MAX_HEADER_LIST / fieldSize - 10;
    int over = HttpSender.MAX_HEADER_LIST / fieldSize + 10;
    try (HttpSender sender = new HttpSender(new TargetGuard(true, Http2DeliveryTest::lookup), box,
        Duration.ofSeconds(10), 4)) {
      AttemptResult plain = send(sender, job("/"));
      assertThat(plain.error()).isEmpty();
      assertThat(plain.delivered()).isTrue();
      assertThat(versions).allMatch(v -> v.getMajor() == 2).hasSize(1);

      AttemptResult large = send(sender, job("/pad/" + under));
      assertThat(large.error()).isEmpty();
      assertThat(large.delivered()).isTrue();

      AttemptResult tooLarge = send(sender, job("/pad/" + over));
      assertThat(tooLarge.delivered()).isFalse();
      assertThat(tooLarge.responseCode()).isZero();
      assertThat(tooLarge.error()).startsWith("The answer's headers exceed the limit")
          .contains(String.valueOf(HttpSender.MAX_HEADER_LIST));

      AttemptResult after = send(sender, job("/"));
      assertThat(after.error()).isEmpty();
      assertThat(after.delivered()).isTrue();
    }
    assertThat(versions).hasSize(4).allMatch(v -> v.getMajor() == 2);
  }

  /** One attempt at a hostile receiver's HTTP/2 answer. */
  private AttemptResult attemptAt(HostileHttp2Receiver hostile) throws Exception {
    try (hostile; HttpSender sender = new HttpSender(new TargetGuard(true, Http2DeliveryTest::lookup), box,
        Duration.ofSeconds(10), 4)) {
      AttemptResult result = send(sender, TestJobs.to("localhost", "https://localhost:" + hostile.port() + "/", box));
      assertThat(hostile.requests()).isEqualTo(1);
      return result;
    }
  }

  @Test
  void aHeaderBlockSplitIntoContinuationFramesWithinTheBoundsIsDelivered() throws Exception {
    HostileHttp2Receiver fine = new HostileHttp2Receiver(tls.server, 20, 1000, 4096);
    assertThat(fine.continuations()).isPositive();
    AttemptResult result = attemptAt(fine);
    assertThat(result.error()).isEmpty();
    assertThat(result.responseCode()).isEqualTo(200);
  }

  @Test
  void aFrameLargerThanTheSenderAcceptsFailsTheAttempt() throws Exception {
    // 20 KiB of headers (well within the list's bound) in one HEADERS frame: the library alone took frames of 64 KiB.
    AttemptResult result = attemptAt(new HostileHttp2Receiver(tls.server, 20, 1000, 1 << 20));
    assertThat(result.delivered()).isFalse();
    assertThat(result.error()).startsWith("HTTP/2 error:").containsIgnoringCase("frame size");
  }

  @Test
  void aHeaderBlockInMoreContinuationFramesThanTheBoundFailsTheAttempt() throws Exception {
    // 600 KiB of headers (within the list's bound) in frames of 10,000 bytes: more continuations than
    // MAX_CONTINUATIONS (the library alone took 100 of up to 64 KiB, 6.4 MiB held before decoding).
    HostileHttp2Receiver hostile = new HostileHttp2Receiver(tls.server, 60, 10_000, 10_000);
    assertThat(hostile.continuations()).isGreaterThan(HttpSender.MAX_CONTINUATIONS).isLessThan(100);
    AttemptResult result = attemptAt(hostile);
    assertThat(result.delivered()).isFalse();
    assertThat(result.error()).startsWith("HTTP/2 error:").containsIgnoringCase("continuation");
  }
}
