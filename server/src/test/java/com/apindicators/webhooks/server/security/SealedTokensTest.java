package com.apindicators.webhooks.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Tokens show no position, open only in their scope and only unaltered, with the same master key in any process. */
class SealedTokensTest {
  private static final String MASTER = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
  private static final String NEXT = Base64.getEncoder().encodeToString("fedcba9876543210fedcba9876543210".getBytes());
  private final SealedTokens tokens = new SealedTokens(new SecretBox(List.of(MASTER)));

  @Test
  void aTokenDoesNotShowItsPosition() {
    long position = 1_234_567;
    String token = tokens.seal("page/webhooks/acme", position);
    byte[] raw = Base64.getUrlDecoder().decode(token);
    assertThat(new String(raw, StandardCharsets.ISO_8859_1)).doesNotContain("1234567").doesNotContain("webhooks");
    assertThat(indexOf(raw, ByteBuffer.allocate(8).putLong(position).array())).isEqualTo(-1);
    assertThat(indexOf(raw, ByteBuffer.allocate(4).putInt((int) position).array())).isEqualTo(-1);
    assertThat(tokens.seal("page/webhooks/acme", position)).as("random nonce").isNotEqualTo(token);
  }

  @Test
  void aTokenOpensInItsScopeAcrossProcessesAndKeyRotation() {
    String token = tokens.seal("resume", 42);
    assertThat(tokens.open("resume", token)).hasValue(42);
    assertThat(new SealedTokens(new SecretBox(List.of(MASTER))).open("resume", token)).as("restart").hasValue(42);
    assertThat(new SealedTokens(new SecretBox(List.of(NEXT, MASTER))).open("resume", token)).as("rotated").hasValue(42);
    assertThat(new SealedTokens(new SecretBox(List.of(NEXT))).open("resume", token)).isEmpty();
    assertThat(new SealedTokens(SecretBox.random()).open("resume", token)).isEmpty();
  }

  @Test
  void aTokenFromAnotherScopeOrAlteredDoesNotOpen() {
    String token = tokens.seal("page/webhooks/acme", 7);
    assertThat(tokens.open("page/webhooks/other", token)).isEmpty();
    assertThat(tokens.open("resume", token)).isEmpty();
    byte[] raw = Base64.getUrlDecoder().decode(token);
    for (int i = 0; i < raw.length; i++) {
      byte[] altered = raw.clone();
      altered[i] ^= 1;
      assertThat(tokens.open("page/webhooks/acme", Base64.getUrlEncoder().withoutPadding().encodeToString(altered)))
          .as("byte %d altered", i).isEmpty();
    }
    for (String junk : List.of("", "x", "!!!!", token + "A", token.substring(1), "A".repeat(5000))) {
      assertThat(tokens.open("page/webhooks/acme", junk)).isEqualTo(OptionalLong.empty());
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
