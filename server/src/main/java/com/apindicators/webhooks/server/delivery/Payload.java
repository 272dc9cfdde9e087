package com.apindicators.webhooks.server.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * Renders the webhook payload exactly as our docs show it: {@code {"event":...,"timestamp":...,"data":...}},
 * compact, the data as stored, timestamps RFC 3339 UTC with {@code Z}.
 */
public final class Payload {
  private Payload() {}

  /** The full body as UTF-8 bytes. */
  public static byte[] body(String eventType, Instant timestamp, String dataJson) {
    StringBuilder sb = new StringBuilder(dataJson.length() + 80).append("{\"event\":");
    quote(sb, eventType);
    sb.append(",\"timestamp\":");
    quote(sb, timestamp(timestamp));
    sb.append(",\"data\":").append(dataJson).append('}');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** RFC 3339 in UTC with a {@code Z}, fractional seconds only when present. */
  public static String timestamp(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t);
  }

  /** Appends a string as a JSON string literal (also escaping U+2028 and U+2029, which break JavaScript). */
  public static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
