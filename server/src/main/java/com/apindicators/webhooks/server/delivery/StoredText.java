package com.apindicators.webhooks.server.delivery;

import java.nio.charset.StandardCharsets;

/**
 * Makes text from outside (response bodies, reason phrases, headers, exception messages) storable: valid UTF-8
 * without NUL, which PostgreSQL text requires, and no longer than a cap, cut on a character boundary.
 */
public final class StoredText {
  /** The most characters of an error text kept. */
  public static final int MAX_ERROR_CHARS = 1024;
  private static final char REPLACEMENT = '\uFFFD';

  private StoredText() {}

  /** The text with NUL and unpaired surrogates replaced by U+FFFD, cut to at most {@code maxChars}; null is "". */
  public static String clean(String text, int maxChars) {
    if (text == null) {
      return "";
    }
    int end = Math.min(text.length(), maxChars);
    if (end < text.length() && end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--; // the pair would be split by the cut
    }
    if (end == text.length() && isClean(text)) {
      return text;
    }
    StringBuilder out = new StringBuilder(end);
    for (int i = 0; i < end; i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
        out.append(c).append(text.charAt(++i));
      } else if (c == 0 || Character.isSurrogate(c)) {
        out.append(REPLACEMENT);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * As {@link #clean}, and at most {@code maxBytes} once encoded as UTF-8: a body of invalid bytes decodes to
   * U+FFFD, three bytes each, so a cap in characters alone would store three times the bytes promised.
   */
  public static String cleanToBytes(String text, int maxBytes) {
    String s = clean(text, maxBytes);
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      // After clean() a high surrogate is always followed by its low one: the pair is 4 bytes.
      int n = c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isHighSurrogate(c) ? 4 : 3;
      if (bytes + n > maxBytes) {
        return s.substring(0, i);
      }
      bytes += n;
      if (n == 4) {
        i++;
      }
    }
    return s;
  }

  /**
   * Decodes the first {@code length} bytes as UTF-8 (invalid sequences become U+FFFD); when they were {@code cut}
   * from a longer text, a character split by the cut is left out rather than replaced.
   */
  public static String decodeUtf8(byte[] bytes, int length, boolean cut) {
    int end = cut ? characterBoundary(bytes, length) : length;
    return new String(bytes, 0, end, StandardCharsets.UTF_8);
  }

  /** Where the last whole UTF-8 character in the first {@code length} bytes ends. */
  private static int characterBoundary(byte[] bytes, int length) {
    int i = length;
    while (i > 0 && length - i < 3 && (bytes[i - 1] & 0xC0) == 0x80) {
      i--;
    }
    if (i == 0) {
      return length;
    }
    int lead = bytes[i - 1] & 0xFF;
    int needed = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return needed > 1 && length - (i - 1) < needed ? i - 1 : length;
  }

  private static boolean isClean(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0) {
        return false;
      }
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
