package com.apindicators.webhooks.server.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Page sizes and opaque page tokens shared by every list RPC. */
public final class Pages {
  public static final int DEFAULT_SIZE = 50;
  public static final int MAX_SIZE = 500;
  private static final int MAX_TOKEN_LENGTH = 200;

  private Pages() {}

  /** The effective page size: default when 0, coerced down to the max, violation when negative. */
  public static int size(int requested, Violations v) {
    if (requested < 0) {
      v.add("page_size", "must not be negative (0 means the default of " + DEFAULT_SIZE + ", at most " + MAX_SIZE + ")");
      return DEFAULT_SIZE;
    }
    return requested == 0 ? DEFAULT_SIZE : Math.min(requested, MAX_SIZE);
  }

  /** The token for a page that continues after a position in the listing named {@code kind}. */
  public static String token(String kind, long position) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((kind + ":" + position).getBytes(StandardCharsets.UTF_8));
  }

  /** The position a token continues after, 0 for an empty token; a violation when the token is not ours. */
  public static long position(String kind, String token, Violations v) {
    if (token.isEmpty()) {
      return 0;
    }
    try {
      if (token.length() > MAX_TOKEN_LENGTH) {
        throw new IllegalArgumentException();
      }
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (!text.startsWith(kind + ":")) {
        throw new IllegalArgumentException();
      }
      long position = Long.parseLong(text.substring(kind.length() + 1));
      if (position < 0) {
        throw new IllegalArgumentException();
      }
      return position;
    } catch (IllegalArgumentException e) {
      v.add("page_token", "is not a token this list returned; pass next_page_token unchanged, or empty for the first page");
      return 0;
    }
  }
}
