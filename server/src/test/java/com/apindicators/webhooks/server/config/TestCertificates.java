package com.apindicators.webhooks.server.config;

import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A CA, a server certificate for localhost, receiver.test and 127.0.0.1, and a client certificate, made at run time as PEM files. */
public final class TestCertificates {
  public final Path caCert;
  public final Path serverCert;
  public final Path serverKey;
  final Path clientCert;
  final Path clientKey;

  public TestCertificates(Path dir) throws Exception {
    KeyPair ca = keyPair();
    X509Certificate caCertificate = sign(new X500Name("CN=Webhooks Test CA"), ca, new X500Name("CN=Webhooks Test CA"), ca, true, null);
    KeyPair server = keyPair();
    X509Certificate serverCertificate = sign(new X500Name("CN=Webhooks Test CA"), ca, new X500Name("CN=localhost"), server, false,
        new GeneralNames(new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.dNSName, "receiver.test"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    KeyPair client = keyPair();
    X509Certificate clientCertificate = sign(new X500Name("CN=Webhooks Test CA"), ca, new X500Name("CN=billing-service"), client, false, null);
    caCert = write(dir.resolve("ca.pem"), caCertificate);
    serverCert = write(dir.resolve("server.pem"), serverCertificate);
    serverKey = writeKey(dir.resolve("server.key"), server.getPrivate());
    clientCert = write(dir.resolve("client.pem"), clientCertificate);
    clientKey = writeKey(dir.resolve("client.key"), client.getPrivate());
  }

  private static KeyPair keyPair() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    return g.generateKeyPair();
  }

  private static X509Certificate sign(X500Name issuer, KeyPair issuerKeys, X500Name subject, KeyPair subjectKeys,
      boolean isCa, GeneralNames altNames) throws Exception {
    Instant now = Instant.now();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject, subjectKeys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (altNames != null) {
      b.addExtension(Extension.subjectAlternativeName, false, altNames);
    }
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
  }

  private static Path write(Path p, X509Certificate cert) throws Exception {
    try (Writer w = Files.newBufferedWriter(p); JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(cert);
    }
    return p;
  }

  private static Path writeKey(Path p, PrivateKey key) throws Exception {
    try (Writer w = Files.newBufferedWriter(p); JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(new JcaPKCS8Generator(key, null));
    }
    return p;
  }
}
