package com.apindicators.webhooks.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SignaturesTest {
  private static final byte[] BODY = "{\"event\":\"signal.buy\"}".getBytes(StandardCharsets.UTF_8);

  @Test
  void verifiesTheDocsSignatureAndRejectsOthers() {
    // printf '%s' '{"event":"signal.buy"}' | openssl dgst -sha256 -hmac 'whsec_test'
    String header = "sha256=2384a0acf5e43531cbb5b8af134c754b479dc2ef96ab5a1f4d1db4603769df45";
    assertThat(Signatures.verify(BODY, header, "whsec_test")).isTrue();
    assertThat(Signatures.verify(BODY, header, "whsec_other")).isFalse();
    assertThat(Signatures.verify("{}".getBytes(StandardCharsets.UTF_8), header, "whsec_test")).isFalse();
    assertThat(Signatures.verify(BODY, null, "whsec_test")).isFalse();
  }

  @Test
  void verifiesTheStandardWebhooksVectorWithinTheTolerance() {
    String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    byte[] body = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    String sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    Instant signedAt = Instant.ofEpochSecond(1614265330L);
    assertThat(Signatures.verifyStandard("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", sig, body, secret,
        Duration.ofMinutes(5), signedAt.plusSeconds(60))).isTrue();
    assertThat(Signatures.verifyStandard("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,bm90IGl0 " + sig, body, secret,
        Duration.ofMinutes(5), signedAt)).isTrue();
    assertThat(Signatures.verifyStandard("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", sig, body, secret,
        Duration.ofMinutes(5), signedAt.plusSeconds(301))).as("replayed too late").isFalse();
    assertThat(Signatures.verifyStandard("msg_other", "1614265330", sig, body, secret, Duration.ofMinutes(5), signedAt)).isFalse();
  }
}
