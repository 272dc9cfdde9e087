package com.apindicators.webhooks.server.events;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * Renders the webhook payload exactly as our docs show it: keys in order, compact, integers as
 * integers ({@code 5}, never {@code 5.0}), timestamps RFC 3339 UTC with {@code Z}.
 */
public final class PayloadJson {
  /** Doubles up to 2^53 in magnitude are exact integers and render without a fraction. */
  private static final double MAX_EXACT_INTEGER = 9_007_199_254_740_992d;

  private PayloadJson() {}

  /** The full body: {@code {"event":...,"timestamp":...,"data":...}} as UTF-8 bytes. */
  public static byte[] body(String eventType, Instant timestamp, String dataJson) {
    StringBuilder sb = new StringBuilder(dataJson.length() + 80).append("{\"event\":");
    string(sb, eventType);
    sb.append(",\"timestamp\":");
    string(sb, timestamp(timestamp));
    sb.append(",\"data\":").append(dataJson).append('}');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** RFC 3339 in UTC with a {@code Z}, fractional seconds only when present. */
  public static String timestamp(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t);
  }

  /** The data object as compact JSON, keys in the order they were published. */
  public static String data(Struct data) {
    StringBuilder sb = new StringBuilder();
    struct(sb, data);
    return sb.toString();
  }

  /** Whether every number in the struct is finite (JSON has no NaN or Infinity). */
  public static boolean allFinite(Struct data) {
    return data.getFieldsMap().values().stream().allMatch(PayloadJson::finite);
  }

  private static boolean finite(Value v) {
    return switch (v.getKindCase()) {
      case NUMBER_VALUE -> Double.isFinite(v.getNumberValue());
      case STRUCT_VALUE -> allFinite(v.getStructValue());
      case LIST_VALUE -> v.getListValue().getValuesList().stream().allMatch(PayloadJson::finite);
      default -> true;
    };
  }

  private static void struct(StringBuilder sb, Struct s) {
    sb.append('{');
    boolean first = true;
    for (Map.Entry<String, Value> e : s.getFieldsMap().entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      string(sb, e.getKey());
      sb.append(':');
      value(sb, e.getValue());
    }
    sb.append('}');
  }

  private static void list(StringBuilder sb, ListValue l) {
    sb.append('[');
    for (int i = 0; i < l.getValuesCount(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      value(sb, l.getValues(i));
    }
    sb.append(']');
  }

  private static void value(StringBuilder sb, Value v) {
    switch (v.getKindCase()) {
      case NUMBER_VALUE -> number(sb, v.getNumberValue());
      case STRING_VALUE -> string(sb, v.getStringValue());
      case BOOL_VALUE -> sb.append(v.getBoolValue());
      case STRUCT_VALUE -> struct(sb, v.getStructValue());
      case LIST_VALUE -> list(sb, v.getListValue());
      default -> sb.append("null");
    }
  }

  static void number(StringBuilder sb, double d) {
    if (d == Math.rint(d) && Math.abs(d) <= MAX_EXACT_INTEGER) {
      sb.append((long) d);
    } else {
      sb.append(d);
    }
  }

  static void string(StringBuilder sb, String s) {
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
