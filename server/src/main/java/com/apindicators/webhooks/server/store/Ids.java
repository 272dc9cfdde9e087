package com.apindicators.webhooks.server.store;

import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Opaque ids with a type prefix, such as {@code wh_3kTMd8fQ2x...}. */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ALPHABET =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

  /**
   * Ids the database makes (webhooks_time_id, migration V9): a prefix of letters a-z, '_', 12 lowercase hex digits of
   * Unix ms, '7', 19 lowercase hex digits: {@code [a-z]+_[0-9a-f]{12}7[0-9a-f]{19}}, as {@code webhooks_id_time} reads
   * them in SQL. Read by hand, not with a regular expression: the result writer reads every id of every batch
   * (several times a delivery), and matching was the largest frame of our own in a JFR profile of the throughput
   * workload (7.6% of the samples); the writer's CPU measured from /proc moved less than the noise.
   */
  private static final int TIMED_DIGITS = 32;

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
    int sep = id.indexOf('_');
    if (sep < 1 || id.length() != sep + 1 + TIMED_DIGITS || id.charAt(sep + 13) != '7') {
      return Optional.empty();
    }
    for (int i = 0; i < sep; i++) {
      char c = id.charAt(i);
      if (c < 'a' || c > 'z') {
        return Optional.empty();
      }
    }
    long millis = 0;
    for (int i = sep + 1; i < id.length(); i++) {
      int digit = lowerHex(id.charAt(i));
      if (digit < 0) {
        return Optional.empty();
      }
      if (i <= sep + 12) {
        millis = millis << 4 | digit;
      }
    }
    return Optional.of(Instant.ofEpochMilli(millis));
  }

  /** The value of a hex digit 0-9 or a-f (ASCII only: {@link Character#digit} takes other scripts' digits too). */
  private static int lowerHex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
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
