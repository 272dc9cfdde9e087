package com.apindicators.webhooks.server.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.OptionalLong;

/** Opaque resume tokens for WatchDeliveries: a position in the delivery change log. */
final class ResumeTokens {
  private static final String PREFIX = "chg1:";

  private ResumeTokens() {}

  static String token(long changeId) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString((PREFIX + changeId).getBytes(StandardCharsets.UTF_8));
  }

  /** The change id in a token, or empty when it is not one of ours. */
  static OptionalLong parse(String token) {
    try {
      if (token.length() > 64) {
        return OptionalLong.empty();
      }
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (!text.startsWith(PREFIX)) {
        return OptionalLong.empty();
      }
      long id = Long.parseLong(text.substring(PREFIX.length()));
      return id < 0 ? OptionalLong.empty() : OptionalLong.of(id);
    } catch (IllegalArgumentException e) {
      return OptionalLong.empty();
    }
  }
}
