package com.apindicators.webhooks.client.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The bench's hanging endpoints: never answering, or answering each request on a kept-alive connection late. */
class HangingEndpointsTest {
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private HttpRequest post(String url, String body, Duration timeout) {
    return HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  @Test
  void endpointsThatAnswerLateAnswerEveryRequestAfterTheWaitOnOneConnection() throws Exception {
    try (HangingEndpoints slow = new HangingEndpoints(2, Duration.ofMillis(300), false)) {
      assertThat(slow.describe()).isEqualTo("answer 200 after 300 ms (0 answered)");
      for (String body : new String[] {"{\"first\":true}", "{\"second\":\"" + "x".repeat(20_000) + "\"}"}) {
        long start = System.nanoTime();
        HttpResponse<String> r = client.send(post(slow.url(1, "a"), body, Duration.ofSeconds(10)),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
      }
      // Counted once written: the client may read the answer before the endpoint's thread counts it.
      await().atMost(Duration.ofSeconds(10)).until(() -> slow.describe().endsWith("(2 answered)"));
      assertThat(slow.describe()).isEqualTo("answer 200 after 300 ms (2 answered)");
    }
  }

  @Test
  void everyOtherRequestOnAConnectionIsAnsweredAtOnceAndTheRestLate() throws Exception {
    try (HangingEndpoints mixed = new HangingEndpoints(1, Duration.ofSeconds(5), true)) {
      assertThat(mixed.describe()).isEqualTo("answer every other request 200 at once, the rest after 5 s (0 answered)");
      long[] tookMillis = new long[3];
      for (int i = 0; i < 3; i++) {
        long start = System.nanoTime();
        HttpResponse<String> r = client.send(post(mixed.url(0, "a"), "{\"n\":" + i + "}", Duration.ofSeconds(20)),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        tookMillis[i] = (System.nanoTime() - start) / 1_000_000;
      }
      assertThat(tookMillis[0]).as("the first, at once").isLessThan(4_000);
      assertThat(tookMillis[1]).as("the second, late").isGreaterThanOrEqualTo(5_000);
      assertThat(tookMillis[2]).as("the third, at once").isLessThan(4_000);
    }
  }

  @Test
  void endpointsThatNeverAnswerHoldTheRequest() throws Exception {
    try (HangingEndpoints hanging = new HangingEndpoints(1, Duration.ZERO, true)) {
      assertThat(hanging.describe()).as("nothing at once either").isEqualTo("never answer");
      assertThatThrownBy(() -> client.send(post(hanging.url(0, "a"), "{}", Duration.ofMillis(500)),
          HttpResponse.BodyHandlers.ofString())).isInstanceOf(HttpTimeoutException.class);
    }
  }
}
