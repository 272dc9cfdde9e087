package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

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
}
