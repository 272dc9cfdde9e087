package com.apindicators.webhooks.server.registry;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Opaque ids with a type prefix, such as {@code wh_3kTMd8fQ2x...}. */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ALPHABET =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

  /** Ids the database makes (webhooks_time_id, migration V9): prefix, 12 hex digits of Unix ms, '7', 19 hex. */
  private static final Pattern TIMED = Pattern.compile("[a-z]+_([0-9a-f]{12})7[0-9a-f]{19}");

  private Ids() {}

  /** The creation time an event or delivery id carries (to the millisecond); empty for ids without one. */
  public static Optional<Instant> time(String id) {
    Matcher m = TIMED.matcher(id);
    return m.matches() ? Optional.of(Instant.ofEpochMilli(Long.parseLong(m.group(1), 16))) : Optional.empty();
  }

  /** A new id: the prefix then 22 random base62 characters (about 131 bits). */
  public static String next(String prefix) {
    StringBuilder sb = new StringBuilder(prefix.length() + 22).append(prefix);
    for (int i = 0; i < 22; i++) {
      sb.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
    }
    return sb.toString();
  }
}
