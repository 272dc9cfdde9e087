package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StoredTextTest {
  @Test
  void nulAndUnpairedSurrogatesBecomeReplacementCharacters() {
    assertThat(StoredText.clean("a\u0000b\ud800c\udc00d", 100)).isEqualTo("a\uFFFDb\uFFFDc\uFFFDd");
    assertThat(StoredText.clean("pair \ud83d\ude00 kept", 100)).isEqualTo("pair \ud83d\ude00 kept");
    assertThat(StoredText.clean(null, 10)).isEmpty();
  }

  @Test
  void theCapNeverSplitsASurrogatePair() {
    assertThat(StoredText.clean("ab\ud83d\ude00", 3)).isEqualTo("ab");
    assertThat(StoredText.clean("x".repeat(5000), StoredText.MAX_ERROR_CHARS)).hasSize(StoredText.MAX_ERROR_CHARS);
  }

  @Test
  void bytesCutFromALongerBodyEndOnACharacterBoundary() {
    byte[] euros = "\u20ac\u20ac".getBytes(StandardCharsets.UTF_8);
    assertThat(StoredText.decodeUtf8(euros, 4, true)).isEqualTo("\u20ac");
    assertThat(StoredText.decodeUtf8(euros, 3, true)).isEqualTo("\u20ac");
    byte[] emoji = "a\ud83d\ude00".getBytes(StandardCharsets.UTF_8);
    assertThat(StoredText.decodeUtf8(emoji, 4, true)).isEqualTo("a");
    // A body that really ends in a broken character (not cut by us) shows it.
    assertThat(StoredText.decodeUtf8(euros, 4, false)).isEqualTo("\u20ac\uFFFD");
    byte[] invalid = {'a', (byte) 0xff, (byte) 0xc3};
    assertThat(StoredText.decodeUtf8(invalid, 3, false)).isEqualTo("a\uFFFD\uFFFD");
  }

  @Test
  void aBodyOfInvalidBytesIsKeptWithinTheByteCapOnceDecoded() {
    byte[] invalid = new byte[HttpSender.MAX_RESPONSE_BODY_BYTES];
    java.util.Arrays.fill(invalid, (byte) 0xFF);
    String decoded = StoredText.decodeUtf8(invalid, invalid.length, true);
    AttemptResult r = new AttemptResult(java.time.Instant.now(), java.time.Duration.ZERO, 500, decoded, "", null);
    assertThat(r.responseBody().getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(HttpSender.MAX_RESPONSE_BODY_BYTES);
    assertThat(r.responseBody()).hasSize(HttpSender.MAX_RESPONSE_BODY_BYTES / 3);
    // Pairs are never split: 4-byte characters up to the cap, then nothing half.
    String emoji = "\uD83D\uDE00".repeat(5000);
    assertThat(StoredText.cleanToBytes(emoji, 10)).isEqualTo("\uD83D\uDE00".repeat(2));
  }
}
