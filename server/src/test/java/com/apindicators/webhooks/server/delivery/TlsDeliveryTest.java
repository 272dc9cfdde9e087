package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.config.TestCertificates;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
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
  private HttpsServer receiver;
  private String trustStoreBefore;
  private String trustPasswordBefore;

  @TempDir
  Path dir;

  @BeforeEach
  void receiverWithACertificateForLocalhost() throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    CertificateFactory x509 = CertificateFactory.getInstance("X.509");
    Certificate server;
    Certificate ca;
    try (InputStream in = Files.newInputStream(certs.serverCert)) {
      server = x509.generateCertificate(in);
    }
    try (InputStream in = Files.newInputStream(certs.caCert)) {
      ca = x509.generateCertificate(in);
    }
    String pem = Files.readString(certs.serverKey).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("server", key, "pw".toCharArray(), new Certificate[] {server, ca});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "pw".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    receiver = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    receiver.setHttpsConfigurator(new HttpsConfigurator(tls));
    receiver.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      posts.incrementAndGet();
      ex.sendResponseHeaders(200, 2);
      try (OutputStream os = ex.getResponseBody()) {
        os.write("ok".getBytes());
      }
    });
    receiver.start();
    // The sender trusts the JVM's trust store: this test's CA, for the client made in the test.
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca);
    Path trustFile = dir.resolve("trust.p12");
    try (OutputStream out = Files.newOutputStream(trustFile)) {
      trust.store(out, "pw".toCharArray());
    }
    trustStoreBefore = System.getProperty("javax.net.ssl.trustStore");
    trustPasswordBefore = System.getProperty("javax.net.ssl.trustStorePassword");
    System.setProperty("javax.net.ssl.trustStore", trustFile.toString());
    System.setProperty("javax.net.ssl.trustStorePassword", "pw");
  }

  @AfterEach
  void stop() {
    receiver.stop(0);
    restore("javax.net.ssl.trustStore", trustStoreBefore);
    restore("javax.net.ssl.trustStorePassword", trustPasswordBefore);
  }

  private static void restore(String property, String value) {
    if (value == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, value);
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
      CompletableFuture<AttemptResult> named = new CompletableFuture<>();
      sender.send(job("localhost"), named::complete);
      AttemptResult ok = named.get(10, TimeUnit.SECONDS);
      assertThat(ok.error()).isEmpty();
      assertThat(ok.delivered()).isTrue();

      // other.test is dialled at 127.0.0.1 too, an address the certificate holds; the name is what TLS checks.
      CompletableFuture<AttemptResult> other = new CompletableFuture<>();
      sender.send(job("other.test"), other::complete);
      AttemptResult refused = other.get(10, TimeUnit.SECONDS);
      assertThat(refused.delivered()).isFalse();
      assertThat(refused.error()).startsWith("TLS error");
    }
    assertThat(posts.get()).isEqualTo(1);
  }
}
