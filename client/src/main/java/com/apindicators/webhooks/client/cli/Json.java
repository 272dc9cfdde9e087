package com.apindicators.webhooks.client.cli;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.FieldMask;
import com.google.protobuf.ListValue;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CLI's JSON: every field with its default, enums as the words the flags take ({@code delivered},
 * {@code starter}), text escaped only where JSON requires it (no {@code \u003d}), one object per line.
 */
final class Json {
  private Json() {}

  /** A message as one compact JSON object. */
  static String of(MessageOrBuilder message) {
    StringBuilder b = new StringBuilder();
    message(b, message);
    return b.toString();
  }

  /** Plain values (String, Number, Boolean, null, Map, List, messages) as one compact JSON value. */
  static String of(Map<String, ?> object) {
    StringBuilder b = new StringBuilder();
    plain(b, object);
    return b.toString();
  }

  /** An object with these keys and values, in this order. */
  static Map<String, Object> fields(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  private static void message(StringBuilder b, MessageOrBuilder m) {
    if (m instanceof Timestamp t) {
      string(b, Timestamps.toString(t));
      return;
    }
    if (m instanceof Duration d) {
      string(b, Durations.toString(d));
      return;
    }
    if (m instanceof FieldMask f) {
      string(b, String.join(",", f.getPathsList()));
      return;
    }
    if (m instanceof Struct s) {
      struct(b, s);
      return;
    }
    if (m instanceof Value v) {
      value(b, v);
      return;
    }
    b.append('{');
    boolean first = true;
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      if (f.getRealContainingOneof() != null && !m.hasField(f)) {
        continue; // only the member of a oneof that is set
      }
      if (!first) {
        b.append(',');
      }
      first = false;
      string(b, f.getJsonName());
      b.append(':');
      Object v = m.getField(f);
      if (f.isMapField()) {
        b.append('{');
        boolean firstEntry = true;
        for (Object e : (List<?>) v) {
          MessageOrBuilder entry = (MessageOrBuilder) e;
          FieldDescriptor key = entry.getDescriptorForType().findFieldByNumber(1);
          FieldDescriptor val = entry.getDescriptorForType().findFieldByNumber(2);
          b.append(firstEntry ? "" : ",");
          firstEntry = false;
          string(b, String.valueOf(entry.getField(key)));
          b.append(':');
          single(b, val, entry.getField(val));
        }
        b.append('}');
      } else if (f.isRepeated()) {
        b.append('[');
        List<?> items = (List<?>) v;
        for (int i = 0; i < items.size(); i++) {
          b.append(i == 0 ? "" : ",");
          single(b, f, items.get(i));
        }
        b.append(']');
      } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !m.hasField(f)) {
        b.append("null");
      } else {
        single(b, f, v);
      }
    }
    b.append('}');
  }

  private static void single(StringBuilder b, FieldDescriptor f, Object v) {
    switch (f.getJavaType()) {
      case MESSAGE -> message(b, (MessageOrBuilder) v);
      case ENUM -> string(b, EnumWords.word((com.google.protobuf.Descriptors.EnumValueDescriptor) v));
      case STRING -> string(b, (String) v);
      case BYTE_STRING -> string(b, Base64.getEncoder().encodeToString(((com.google.protobuf.ByteString) v).toByteArray()));
      case FLOAT, DOUBLE -> number(b, ((Number) v).doubleValue());
      default -> b.append(v); // int, long, boolean
    }
  }

  private static void struct(StringBuilder b, Struct s) {
    b.append('{');
    boolean first = true;
    for (Map.Entry<String, Value> e : s.getFieldsMap().entrySet()) {
      b.append(first ? "" : ",");
      first = false;
      string(b, e.getKey());
      b.append(':');
      value(b, e.getValue());
    }
    b.append('}');
  }

  private static void value(StringBuilder b, Value v) {
    switch (v.getKindCase()) {
      case STRUCT_VALUE -> struct(b, v.getStructValue());
      case LIST_VALUE -> {
        ListValue l = v.getListValue();
        b.append('[');
        for (int i = 0; i < l.getValuesCount(); i++) {
          b.append(i == 0 ? "" : ",");
          value(b, l.getValues(i));
        }
        b.append(']');
      }
      case STRING_VALUE -> string(b, v.getStringValue());
      case NUMBER_VALUE -> number(b, v.getNumberValue());
      case BOOL_VALUE -> b.append(v.getBoolValue());
      default -> b.append("null");
    }
  }

  private static void plain(StringBuilder b, Object v) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof String s) {
      string(b, s);
    } else if (v instanceof Number || v instanceof Boolean) {
      b.append(v);
    } else if (v instanceof MessageOrBuilder m) {
      message(b, m);
    } else if (v instanceof Map<?, ?> map) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        b.append(first ? "" : ",");
        first = false;
        string(b, String.valueOf(e.getKey()));
        b.append(':');
        plain(b, e.getValue());
      }
      b.append('}');
    } else if (v instanceof List<?> list) {
      b.append('[');
      for (int i = 0; i < list.size(); i++) {
        b.append(i == 0 ? "" : ",");
        plain(b, list.get(i));
      }
      b.append(']');
    } else {
      string(b, v.toString());
    }
  }

  private static void number(StringBuilder b, double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      string(b, Double.toString(d));
    } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      b.append((long) d);
    } else {
      b.append(d);
    }
  }

  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          // Beyond ASCII as escapes too: the output is then the same bytes in whatever charset the JVM writes (in a
          // C locale Java writes US-ASCII, and printed "für" as "f?r").
          if (c < 0x20 || c > 0x7e) {
            b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
