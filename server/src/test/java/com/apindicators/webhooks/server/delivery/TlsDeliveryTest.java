package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over TLS, the sender dials the address it checked ahead, yet TLS names the URL's host: the certificate must be for
 * that name (a certificate for the dialled address does not stand in for it).
 */
class TlsDeliveryTest {
  private final SecretBox box = SecretBox.random();
  private final AtomicInteger posts = new AtomicInteger();
  /** The names each request's TLS handshake announced (SNI). */
  private final List<List<String>> announced = new CopyOnWriteArrayList<>();
  private HttpsServer receiver;
  private TestTls tls;

  @TempDir
  Path dir;

  @BeforeEach
  void receiverWithACertificateForLocalhost() throws Exception {
    tls = new TestTls(dir);
    receiver = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    receiver.setHttpsConfigurator(new HttpsConfigurator(tls.server));
    receiver.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      posts.incrementAndGet();
      announced.add(((ExtendedSSLSession) ((HttpsExchange) ex).getSSLSession()).getRequestedServerNames().stream()
          .map(n -> ((SNIHostName) n).getAsciiName()).toList());
      ex.sendResponseHeaders(200, 2);
      try (OutputStream os = ex.getResponseBody()) {
        os.write("ok".getBytes());
      }
    });
    receiver.start();
  }

  @AfterEach
  void stop() {
    if (tls != null) {
      tls.close();
    }
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  /** Every name is this machine. */
  private static InetAddress[] lookup(String host) {
    return new InetAddress[] {InetAddress.getLoopbackAddress()};
  }

  private DeliveryJob job(String host) {
    return TestJobs.to(host, "https://" + host + ":" + receiver.getAddress().getPort() + "/h", box);
  }

  @Test
  void aNameItsCertificateHoldsIsDeliveredAndAnotherIsRefusedThoughBothAreDialledAtTheSameAddress() throws Exception {
    try (HttpSender sender = new HttpSender(new TargetGuard(true, TlsDeliveryTest::lookup), box, Duration.ofSeconds(10), 4)) {
      AttemptResult ok = TestJobs.attempt(sender, job("localhost"));
      assertThat(ok.error()).isEmpty();
      assertThat(ok.delivered()).isTrue();

      // other.test is dialled at 127.0.0.1 too, an address the certificate holds; the name is what TLS checks.
      AttemptResult refused = TestJobs.attempt(sender, job("other.test"));
      assertThat(refused.delivered()).isFalse();
      assertThat(refused.error()).startsWith("TLS error");
    }
    assertThat(posts.get()).isEqualTo(1);
  }

  @Test
  void theUrlsHostIsAnnouncedByNameThoughItsCheckedAddressIsDialled() throws Exception {
    // A name with a dot: the JDK announces no name without one (localhost).
    try (HttpSender sender = new HttpSender(new TargetGuard(true, TlsDeliveryTest::lookup), box, Duration.ofSeconds(10), 4)) {
      AttemptResult ok = TestJobs.attempt(sender, job("receiver.test"));
      assertThat(ok.error()).isEmpty();
    }
    assertThat(announced).containsExactly(List.of("receiver.test"));
  }
}
