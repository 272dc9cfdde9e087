package com.apindicators.webhooks.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretBoxTest {
  private static final String K1 = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
  private static final String K2 = Base64.getEncoder().encodeToString("fedcba9876543210fedcba9876543210".getBytes());

  @Test
  void sealsWithARandomNonceAndOpensAgain() {
    SecretBox box = new SecretBox(List.of(K1));
    String a = box.seal("whsec_secret");
    String b = box.seal("whsec_secret");
    assertThat(a).startsWith("v1:" + box.currentKeyId() + ":").isNotEqualTo(b).doesNotContain("secret");
    assertThat(box.open(a)).isEqualTo("whsec_secret");
    assertThat(box.open(b)).isEqualTo("whsec_secret");
  }

  @Test
  void tamperingOrAnUnknownKeyFailsLoudly() {
    SecretBox box = new SecretBox(List.of(K1));
    String sealed = box.seal("whsec_secret");
    int i = sealed.lastIndexOf(':') + 20; // inside the ciphertext
    String tampered = sealed.substring(0, i) + (sealed.charAt(i) == 'A' ? 'B' : 'A') + sealed.substring(i + 1);
    assertThatThrownBy(() -> box.open(tampered)).hasMessageContaining("failed to decrypt");
    assertThatThrownBy(() -> new SecretBox(List.of(K2)).open(sealed)).hasMessageContaining("not configured");
    assertThatThrownBy(() -> box.open("whsec_plain")).hasMessageContaining("not encrypted");
    assertThatThrownBy(() -> new SecretBox(List.of("c2hvcnQ="))).hasMessageContaining("32 bytes");
  }

  @Test
  void aRotatedMasterKeyStillOpensWhatTheOldOneSealed() {
    String old = new SecretBox(List.of(K1)).seal("whsec_old");
    SecretBox rotated = new SecretBox(List.of(K2, K1));
    assertThat(rotated.open(old)).isEqualTo("whsec_old");
    assertThat(rotated.seal("x")).startsWith("v1:" + rotated.currentKeyId());
    assertThat(rotated.currentKeyId()).isNotEqualTo(new SecretBox(List.of(K1)).currentKeyId());
  }
}
