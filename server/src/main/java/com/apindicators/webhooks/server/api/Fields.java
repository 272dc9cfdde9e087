package com.apindicators.webhooks.server.api;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks for the simple fields many requests share: ids, labels, and the size of every repeated field. */
public final class Fields {
  public static final int MAX_ACCOUNT_ID = 128;
  public static final int MAX_ID = 64;
  /** Entries any repeated field of a request may hold (statuses, events, webhook ids, filter values, mask paths...). */
  public static final int MAX_REPEATED = 100;
  /** Characters of a caller's text an error message quotes back. */
  public static final int MAX_QUOTED = 40;
  /** JSON payloads: bounded by their size as JSON, not by entry counts. */
  private static final Set<String> PAYLOAD_TYPES =
      Set.of("google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue");
  private static final Pattern ACCOUNT_ID = Pattern.compile("[A-Za-z0-9_.:\\-]{1," + MAX_ACCOUNT_ID + "}");
  private static final Pattern RESOURCE_ID = Pattern.compile("[A-Za-z0-9_]{1," + MAX_ID + "}");

  private Fields() {}

  /** An account id: 1-128 letters, digits, '_', '-', '.', ':'. */
  public static String accountId(String field, String value, Violations v) {
    if (value.isEmpty()) {
      v.add(field, "is required");
    } else if (!ACCOUNT_ID.matcher(value).matches()) {
      v.add(field, "must be 1-" + MAX_ACCOUNT_ID + " characters of letters, digits, '_', '-', '.', ':'");
    }
    return value;
  }

  /** A resource id such as {@code wh_...}: required, with its type prefix. */
  public static String resourceId(String field, String value, String prefix, Violations v) {
    if (value.isEmpty()) {
      v.add(field, "is required");
    } else if (!value.startsWith(prefix) || !RESOURCE_ID.matcher(value).matches()) {
      v.add(field, "must be an id starting with '" + prefix + "' as returned by the API");
    }
    return value;
  }

  /** Delivery statuses from a request; UNSPECIFIED and unknown numbers are violations. */
  public static java.util.List<com.apindicators.webhooks.server.delivery.DeliveryStatus> statuses(
      java.util.List<com.apindicators.webhooks.v1.DeliveryStatus> values, Violations v) {
    java.util.List<com.apindicators.webhooks.server.delivery.DeliveryStatus> out = new java.util.ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      var s = ProtoMapper.status(values.get(i));
      if (s == null) {
        v.add("statuses[" + i + "]", "must be DELIVERY_STATUS_PENDING, _DELIVERED or _FAILED");
      } else if (!out.contains(s)) {
        out.add(s);
      }
    }
    return out;
  }

  /** Event types from a request, each from the catalog, without repeats. */
  public static java.util.List<String> eventTypes(String field, java.util.List<String> values, Violations v) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      String t = values.get(i);
      if (!com.apindicators.webhooks.server.registry.EventCatalog.contains(t)) {
        v.add(field + "[" + i + "]", "is not an event type; use one of "
            + String.join(", ", com.apindicators.webhooks.server.registry.EventCatalog.all().keySet()));
      } else if (!out.contains(t)) {
        out.add(t);
      }
    }
    return out;
  }

  /** Resource ids from a request, each with its type prefix, without repeats. */
  public static java.util.List<String> resourceIds(String field, java.util.List<String> values, String prefix, Violations v) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      String id = resourceId(field + "[" + i + "]", values.get(i), prefix, v);
      if (!out.contains(id)) {
        out.add(id);
      }
    }
    return out;
  }

  /** Whether the text holds a control character (which no label or URL may carry). */
  public static boolean hasControl(String value) {
    return value.codePoints().anyMatch(Character::isISOControl);
  }

  /**
   * Records a violation for each repeated field, at any depth of the request, that holds more than
   * {@link #MAX_REPEATED} entries. Runs before any entry is validated, so an oversized list costs one violation.
   */
  public static void repeatedCounts(Message request, Violations v) {
    repeatedCounts(request, "", v);
  }

  private static void repeatedCounts(Message m, String path, Violations v) {
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      String name = path + f.getName();
      boolean nested = f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && !PAYLOAD_TYPES.contains(f.getMessageType().getFullName());
      if (f.isRepeated()) {
        int n = m.getRepeatedFieldCount(f);
        if (n > MAX_REPEATED) {
          v.add(name, "must have at most " + MAX_REPEATED + " entries (has " + n + ")");
        } else if (nested) {
          for (int i = 0; i < n; i++) {
            repeatedCounts((Message) m.getRepeatedField(f, i), name + "[" + i + "].", v);
          }
        }
      } else if (nested && m.hasField(f)) {
        repeatedCounts((Message) m.getField(f), name + ".", v);
      }
    }
  }

  /** A caller's text to quote in an error: at most {@link #MAX_QUOTED} characters, control characters replaced. */
  public static String quote(String value) {
    String cut = cut(value, MAX_QUOTED);
    return "'" + cut.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append) + "'";
  }

  /** The text cut to at most {@code max} characters (not splitting a surrogate pair), marked with "..." when cut. */
  static String cut(String value, int max) {
    if (value.length() <= max) {
      return value;
    }
    int end = max - 3;
    if (Character.isHighSurrogate(value.charAt(end - 1))) {
      end--;
    }
    return value.substring(0, end) + "...";
  }
}
