package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.security.SealedTokens;
import java.util.OptionalLong;

/**
 * Page sizes and page tokens shared by every list RPC. A token is sealed ({@link SealedTokens}): it shows no
 * position and opens only for the list it came from, named with its scope (e.g. {@code deliveries/wh_...}).
 */
public final class Pages {
  public static final int DEFAULT_SIZE = 50;
  public static final int MAX_SIZE = 500;
  private final SealedTokens tokens;

  public Pages(SealedTokens tokens) {
    this.tokens = tokens;
  }

  /** The effective page size: default when 0, coerced down to the max, violation when negative. */
  public static int size(int requested, Violations v) {
    if (requested < 0) {
      v.add("page_size", "must not be negative (0 means the default of " + DEFAULT_SIZE + ", at most " + MAX_SIZE + ")");
      return DEFAULT_SIZE;
    }
    return requested == 0 ? DEFAULT_SIZE : Math.min(requested, MAX_SIZE);
  }

  /** The token for a page that continues after a position in {@code list} (a listing and its scope). */
  public String token(String list, long position) {
    return tokens.seal("page/" + list, position);
  }

  /** The position a token continues after, 0 for an empty token; a violation when the token is not this list's. */
  public long position(String list, String token, Violations v) {
    if (token.isEmpty()) {
      return 0;
    }
    OptionalLong position = tokens.open("page/" + list, token);
    if (position.isEmpty()) {
      v.add("page_token", "is not a token this list returned; pass next_page_token unchanged to the same list"
          + " (same account or webhook), or empty for the first page");
      return 0;
    }
    return position.getAsLong();
  }
}
