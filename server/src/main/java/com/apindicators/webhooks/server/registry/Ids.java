package com.apindicators.webhooks.server.registry;

import java.security.SecureRandom;

/** Opaque ids with a type prefix, such as {@code wh_3kTMd8fQ2x...}. */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ALPHABET =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

  private Ids() {}

  /** A new id: the prefix then 22 random base62 characters (about 131 bits). */
  public static String next(String prefix) {
    StringBuilder sb = new StringBuilder(prefix.length() + 22).append(prefix);
    for (int i = 0; i < 22; i++) {
      sb.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
    }
    return sb.toString();
  }
}
