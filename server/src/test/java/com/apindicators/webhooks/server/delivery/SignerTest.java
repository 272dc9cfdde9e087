package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SignerTest {
  @Test
  void standardWebhooksPublishedTestVector() {
    // The example from the Standard Webhooks specification (and its reference libraries' tests).
    String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    byte[] payload = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    assertThat(Signer.standardSignature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L, payload))
        .isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  }

  @Test
  void docsSignatureIsHexHmacOfTheBodyKeyedWithTheWholeSecretString() {
    // Computed independently: printf '%s' BODY | openssl dgst -sha256 -hmac 'whsec_test'
    byte[] body = "{\"event\":\"signal.buy\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(Signer.docsSignature("whsec_test", body))
        .isEqualTo("sha256=2384a0acf5e43531cbb5b8af134c754b479dc2ef96ab5a1f4d1db4603769df45");
  }
}
