package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.delivery.Payload;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.Map;

/**
 * A published {@code Struct} as the compact JSON text we store and send: keys in the runtime's order, integers as
 * integers ({@code 5}, never {@code 5.0}).
 */
final class StructJson {
  /** Doubles up to 2^53 in magnitude are exact integers and render without a fraction. */
  private static final double MAX_EXACT_INTEGER = 9_007_199_254_740_992d;

  private StructJson() {}

  /** The data object as compact JSON, keys in the order they were published. */
  static String data(Struct data) {
    StringBuilder sb = new StringBuilder();
    struct(sb, data);
    return sb.toString();
  }

  /** Whether every number in the struct is finite (JSON has no NaN or Infinity). */
  static boolean allFinite(Struct data) {
    return data.getFieldsMap().values().stream().allMatch(StructJson::finite);
  }

  private static boolean finite(Value v) {
    return switch (v.getKindCase()) {
      case NUMBER_VALUE -> Double.isFinite(v.getNumberValue());
      case STRUCT_VALUE -> allFinite(v.getStructValue());
      case LIST_VALUE -> v.getListValue().getValuesList().stream().allMatch(StructJson::finite);
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
      Payload.quote(sb, e.getKey());
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
      case STRING_VALUE -> Payload.quote(sb, v.getStringValue());
      case BOOL_VALUE -> sb.append(v.getBoolValue());
      case STRUCT_VALUE -> struct(sb, v.getStructValue());
      case LIST_VALUE -> list(sb, v.getListValue());
      default -> sb.append("null");
    }
  }

  private static void number(StringBuilder sb, double d) {
    if (d == Math.rint(d) && Math.abs(d) <= MAX_EXACT_INTEGER) {
      sb.append((long) d);
    } else {
      sb.append(d);
    }
  }
}
