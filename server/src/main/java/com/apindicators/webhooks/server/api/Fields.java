package com.apindicators.webhooks.server.api;

import java.util.regex.Pattern;

/** Checks for the simple fields many requests share: ids and labels. */
public final class Fields {
  public static final int MAX_ACCOUNT_ID = 128;
  public static final int MAX_ID = 64;
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

  /** Whether the text holds a control character (which no label or URL may carry). */
  public static boolean hasControl(String value) {
    return value.codePoints().anyMatch(Character::isISOControl);
  }
}
