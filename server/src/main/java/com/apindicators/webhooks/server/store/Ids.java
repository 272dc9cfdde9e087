package com.apindicators.webhooks.server.store;

import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
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

  /**
   * The creation times rows with these ids can have, for a lookup to name so that PostgreSQL reads only those days'
   * partitions (found when planning): from the earliest time they carry to a second past the latest; all time if
   * one carries none (made before migration V9).
   */
  public static Span span(Collection<String> ids) {
    Instant min = null;
    Instant max = null;
    for (String id : ids) {
      Optional<Instant> t = time(id);
      if (t.isEmpty()) {
        return Span.ALL;
      }
      min = min == null || t.get().isBefore(min) ? t.get() : min;
      max = max == null || t.get().isAfter(max) ? t.get() : max;
    }
    return min == null ? Span.ALL : new Span(Timestamp.from(min), Timestamp.from(max.plusSeconds(1)));
  }

  /** The span of one id. */
  public static Span span(String id) {
    return span(List.of(id));
  }

  /** Creation times from (inclusive) until (exclusive). */
  public record Span(Timestamp from, Timestamp until) {
    static final Span ALL = new Span(Timestamp.from(Instant.EPOCH), Timestamp.from(Instant.parse("9999-01-01T00:00:00Z")));
  }

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
