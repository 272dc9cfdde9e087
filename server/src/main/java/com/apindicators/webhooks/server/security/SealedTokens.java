package com.apindicators.webhooks.server.security;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.OptionalLong;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals a position (in a list or the change log) into an opaque token, so tokens show no sequence number and
 * cannot be forged: AES-256-GCM under a key derived from the master keys (shared by every process on the same
 * data, and kept across restarts), with the token's scope as associated data, so a token opens only in the scope
 * it was issued for (a list of one webhook or account, or the watch stream).
 */
public final class SealedTokens {
  private static final byte VERSION = 1;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  /** Version, nonce, the 8-byte position and the tag, in base64url: 50 characters; longer is not ours. */
  private static final int MAX_TOKEN_CHARS = 64;
  private static final SecureRandom RANDOM = new SecureRandom();
  private final List<SecretKeySpec> keys;

  public SealedTokens(SecretBox box) {
    this.keys = box.derivedKeys("tokens/v1");
  }

  /** A token for the position, valid only in {@code scope}. */
  public String seal(String scope, long position) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, keys.get(0), new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad(scope));
      byte[] sealed = c.doFinal(ByteBuffer.allocate(Long.BYTES).putLong(position).array());
      return Base64.getUrlEncoder().withoutPadding().encodeToString(
          ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  /** The position a token holds, or empty when it was not sealed by us for this scope, or was altered. */
  public OptionalLong open(String scope, String token) {
    byte[] in;
    try {
      if (token.length() > MAX_TOKEN_CHARS) {
        return OptionalLong.empty();
      }
      in = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      return OptionalLong.empty();
    }
    if (in.length != 1 + NONCE_BYTES + Long.BYTES + TAG_BITS / 8 || in[0] != VERSION) {
      return OptionalLong.empty();
    }
    for (SecretKeySpec key : keys) {
      try {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 1, NONCE_BYTES));
        c.updateAAD(aad(scope));
        long position = ByteBuffer.wrap(c.doFinal(in, 1 + NONCE_BYTES, in.length - 1 - NONCE_BYTES)).getLong();
        return position < 0 ? OptionalLong.empty() : OptionalLong.of(position);
      } catch (AEADBadTagException wrongKeyOrAltered) {
        // try the next master key
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES-GCM unavailable", e);
      }
    }
    return OptionalLong.empty();
  }

  private static byte[] aad(String scope) {
    return (VERSION + "/" + scope).getBytes(StandardCharsets.UTF_8);
  }
}
