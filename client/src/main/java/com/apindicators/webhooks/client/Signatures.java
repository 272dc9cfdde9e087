package com.apindicators.webhooks.client;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Verifies the webhooks we send, for Java services that receive them. */
public final class Signatures {
  private Signatures() {}

  /**
   * Checks {@code X-Webhook-Signature} ({@code sha256=<hex HMAC-SHA256 of the body, keyed with the secret>}),
   * exactly as our docs' Python and Node.js snippets do, in constant time.
   */
  public static boolean verify(byte[] body, String signatureHeader, String secret) {
    if (signatureHeader == null) {
      return false;
    }
    String expected = "sha256=" + HexFormat.of().formatHex(hmac(secret.getBytes(StandardCharsets.UTF_8), body));
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), signatureHeader.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Checks Standard Webhooks headers: a {@code v1,} signature of {@code id.timestamp.body} among the
   * space-separated ones, and a timestamp within {@code tolerance} of now (replay protection).
   */
  public static boolean verifyStandard(String webhookId, String webhookTimestamp, String webhookSignature, byte[] body,
      String secret, Duration tolerance, Instant now) {
    if (webhookId == null || webhookTimestamp == null || webhookSignature == null) {
      return false;
    }
    long ts;
    try {
      ts = Long.parseLong(webhookTimestamp);
    } catch (NumberFormatException e) {
      return false;
    }
    if (Math.abs(now.getEpochSecond() - ts) > tolerance.toSeconds()) {
      return false;
    }
    byte[] key = Base64.getDecoder().decode(secret.startsWith("whsec_") ? secret.substring(6) : secret);
    byte[] prefix = (webhookId + "." + webhookTimestamp + ".").getBytes(StandardCharsets.UTF_8);
    byte[] signed = new byte[prefix.length + body.length];
    System.arraycopy(prefix, 0, signed, 0, prefix.length);
    System.arraycopy(body, 0, signed, prefix.length, body.length);
    byte[] expected = ("v1," + Base64.getEncoder().encodeToString(hmac(key, signed))).getBytes(StandardCharsets.UTF_8);
    boolean match = false;
    for (String candidate : webhookSignature.trim().split(" +")) {
      match |= MessageDigest.isEqual(expected, candidate.getBytes(StandardCharsets.UTF_8));
    }
    return match;
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
