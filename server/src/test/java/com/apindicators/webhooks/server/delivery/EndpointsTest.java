package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Lanes are keyed by scheme, host and port, however the URL spells them. */
class EndpointsTest {
  @Test
  void urlsOfOneHostAndPortShareAnEndpointWhateverTheirCaseOrPath() {
    Endpoints e = new Endpoints();
    assertThat(e.of("HTTP://Example.COM/a?x=1")).isEqualTo("http://example.com:80");
    assertThat(e.of("http://example.com:80/b")).isEqualTo("http://example.com:80");
    assertThat(e.of("https://example.com/")).isEqualTo("https://example.com:443");
    assertThat(e.of("https://example.com:8443/")).isEqualTo("https://example.com:8443");
    assertThat(e.of("http://[::1]:9/")).isEqualTo("http://[::1]:9");
    assertThat(e.of("not a url")).isEqualTo("not a url");
  }

  @Test
  void aTurkishLocaleDoesNotSplitAHostIntoTwoEndpoints() {
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.forLanguageTag("tr-TR"));
    try {
      // "I".toLowerCase() is a dotless ı in Turkish: one tenant's host would have had two lanes, and two shares.
      Endpoints e = new Endpoints();
      assertThat(e.of("HTTP://HOOKI.EXAMPLE/")).isEqualTo("http://hooki.example:80");
      assertThat(e.of("http://hooki.example/")).isEqualTo("http://hooki.example:80");
    } finally {
      Locale.setDefault(before);
    }
  }
}
