package com.apindicators.webhooks.server.delivery;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Signs payloads the two ways receivers verify them: our docs' header and Standard Webhooks. */
public final class Signer {
  private static final String HMAC = "HmacSHA256";
  /** Looking up a Mac costs more than using one; each sending thread keeps its own. */
  private static final ThreadLocal<Mac> MACS = ThreadLocal.withInitial(() -> {
    try {
      return Mac.getInstance(HMAC);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    }
  });

  private Signer() {}

  /**
   * {@code X-Webhook-Signature}: {@code sha256=} and the hex HMAC-SHA256 of the body keyed with the whole
   * secret string's UTF-8 bytes, exactly as the Python and Node.js snippets in our docs compute it.
   */
  public static String docsSignature(String secret, byte[] body) {
    return "sha256=" + HexFormat.of().formatHex(hmac(secret.getBytes(StandardCharsets.UTF_8), body));
  }

  /**
   * Standard Webhooks {@code webhook-signature}: {@code v1,} and the base64 HMAC-SHA256 of
   * {@code id.timestamp.body}, keyed with the base64-decoded part of the {@code whsec_} secret.
   */
  public static String standardSignature(String secret, String messageId, long timestampSeconds, byte[] body) {
    String encoded = secret.startsWith("whsec_") ? secret.substring("whsec_".length()) : secret;
    byte[] key = Base64.getDecoder().decode(encoded);
    byte[] prefix = (messageId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8);
    byte[] signed = new byte[prefix.length + body.length];
    System.arraycopy(prefix, 0, signed, 0, prefix.length);
    System.arraycopy(body, 0, signed, prefix.length, body.length);
    return "v1," + Base64.getEncoder().encodeToString(hmac(key, signed));
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = MACS.get();
      mac.init(new SecretKeySpec(key, HMAC));
      return mac.doFinal(data);
    } catch (InvalidKeyException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    }
  }
}
