package com.apindicators.webhooks.server.delivery;

import com.apindicators.webhooks.server.config.TestCertificates;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A receiver's TLS with a certificate for localhost and 127.0.0.1 ({@link TestCertificates}), and this JVM trusting
 * its CA until closed: the sender trusts the JVM's trust store, read when a sender is made.
 */
final class TestTls implements AutoCloseable {
  private static final String TRUST_STORE = "javax.net.ssl.trustStore";
  private static final String TRUST_PASSWORD = "javax.net.ssl.trustStorePassword";
  /** The receiver's side. */
  final SSLContext server;
  private final String trustStoreBefore = System.getProperty(TRUST_STORE);
  private final String trustPasswordBefore = System.getProperty(TRUST_PASSWORD);

  TestTls(Path dir) throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    Certificate cert = certificate(certs.serverCert);
    Certificate ca = certificate(certs.caCert);
    String pem = Files.readString(certs.serverKey).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("server", key, "pw".toCharArray(), new Certificate[] {cert, ca});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "pw".toCharArray());
    server = SSLContext.getInstance("TLS");
    server.init(kmf.getKeyManagers(), null, null);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca);
    Path trustFile = dir.resolve("trust.p12");
    try (OutputStream out = Files.newOutputStream(trustFile)) {
      trust.store(out, "pw".toCharArray());
    }
    System.setProperty(TRUST_STORE, trustFile.toString());
    System.setProperty(TRUST_PASSWORD, "pw");
  }

  private static Certificate certificate(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      return CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  @Override
  public void close() {
    restore(TRUST_STORE, trustStoreBefore);
    restore(TRUST_PASSWORD, trustPasswordBefore);
  }

  private static void restore(String property, String value) {
    if (value == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, value);
    }
  }
}
