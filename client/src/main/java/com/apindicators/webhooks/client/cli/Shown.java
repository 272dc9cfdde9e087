package com.apindicators.webhooks.client.cli;

/**
 * Text a receiver or a tenant wrote (response bodies, errors, disabled reasons, URLs, names), made safe to print on a
 * terminal: control characters other than newline and tab, and the bidirectional overrides that reorder what is
 * shown, print as {@code \\u001b}-style escapes. Raw, an endpoint answering {@code ESC ] 0 ; ... BEL} or
 * {@code ESC [ 2 J} rewrote the terminal of whoever looked at its deliveries (an admin watching every account).
 */
final class Shown {
  private Shown() {}

  static String text(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (unsafe(c)) {
        if (b == null) {
          b = new StringBuilder(s.length() + 16).append(s, 0, i);
        }
        b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
      } else if (b != null) {
        b.append(c);
      }
    }
    return b == null ? s : b.toString();
  }

  private static boolean unsafe(char c) {
    return (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c <= 0x9f)
        || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
  }
}
