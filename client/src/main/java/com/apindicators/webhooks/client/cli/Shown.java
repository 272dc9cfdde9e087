package com.apindicators.webhooks.client.cli;

import java.util.Locale;

/**
 * Text a receiver or a tenant wrote (response bodies, errors, disabled reasons, URLs, names, event data), made safe to
 * print on a terminal: control characters and the invisible marks that reorder what is shown (bidirectional
 * overrides, isolates and marks, line and paragraph separators) print as {@code \\u001b}-style escapes. Raw, an
 * endpoint answering {@code ESC ] 0 ; ... BEL} or {@code ESC [ 2 J} rewrote the terminal of whoever looked at its
 * deliveries (an admin watching every account), and a newline in an error forged a row of a listing.
 */
final class Shown {
  private Shown() {}

  /** For a field on a line with others: newlines and tabs escaped too. */
  static String line(String s) {
    return escaped(s, false);
  }

  /** For a text shown on lines of its own (a response body): newlines and tabs kept. */
  static String text(String s) {
    return escaped(s, true);
  }

  private static String escaped(String s, boolean keepLines) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean kept = keepLines && (c == '\n' || c == '\t');
      if (!kept && unsafe(c)) {
        if (b == null) {
          b = new StringBuilder(s.length() + 16).append(s, 0, i);
        }
        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else if (b != null) {
        b.append(c);
      }
    }
    return b == null ? s : b.toString();
  }

  private static boolean unsafe(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f
        || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
  }
}
