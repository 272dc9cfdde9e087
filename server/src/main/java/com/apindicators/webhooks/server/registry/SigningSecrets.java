package com.apindicators.webhooks.server.registry;

import java.security.SecureRandom;
import java.util.Base64;

/** Makes signing secrets: {@code whsec_} then base64 of 32 random bytes. */
public final class SigningSecrets {
  public static final String PREFIX = "whsec_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private SigningSecrets() {}

  /** A fresh secret. */
  public static String generate() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /** The last four characters, shown to help tell secrets apart. */
  public static String hint(String secret) {
    return secret.substring(secret.length() - 4);
  }
}
