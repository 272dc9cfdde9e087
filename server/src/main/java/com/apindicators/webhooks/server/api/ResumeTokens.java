package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.security.SealedTokens;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.OptionalLong;

/** Opaque resume tokens for WatchDeliveries: a sealed position in the delivery change log. */
public final class ResumeTokens {
  private static final String SCOPE = "resume";
  private static final String LEGACY_PREFIX = "chg1:";
  private final SealedTokens tokens;

  public ResumeTokens(SealedTokens tokens) {
    this.tokens = tokens;
  }

  /** The token of a change. */
  public String token(long changeId) {
    return tokens.seal(SCOPE, changeId);
  }

  /** The change id in a token, or empty when it is not one of ours. */
  OptionalLong parse(String token) {
    return tokens.open(SCOPE, token);
  }

  /**
   * Whether the token has the unsealed form used before tokens were sealed (base64 of {@code chg1:<change id>}).
   * Such tokens are not honoured: anyone could write one for any position and learn the global sequence.
   */
  static boolean isLegacy(String token) {
    try {
      return token.length() <= 64 && new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8)
          .startsWith(LEGACY_PREFIX);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
