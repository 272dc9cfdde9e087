package com.apindicators.webhooks.client.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bench's raw POST rate: only 2xx answers count, the warm-up does not, and a receiver that hangs ends it. */
class RawPostRateTest {
  private HttpServer receiver;
  private final AtomicLong received = new AtomicLong();

  private String answering(int code) throws Exception {
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    receiver.setExecutor(Executors.newFixedThreadPool(4));
    receiver.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      received.incrementAndGet();
      ex.sendResponseHeaders(code, -1);
      ex.close();
    });
    receiver.start();
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/raw";
  }

  @AfterEach
  void stop() {
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  @Test
  void countsTheAnswersAfterTheWarmUpOnly() throws Exception {
    String url = answering(204);
    long start = System.nanoTime();
    double rate = RawPostRate.measure(url, Duration.ofSeconds(1), 8);
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(rate).isPositive();
    // The receiver saw the warm-up's POSTs too, which the rate leaves out: the rate over the whole call is lower.
    assertThat(rate).isGreaterThan(received.get() / seconds);
    // ... and the measured POSTs were all received (at most the measured second and the drain, about 1 s).
    assertThat(rate * 1.0).isLessThanOrEqualTo(received.get());
  }

  @Test
  void answersThatAreNot2xxCountAsNothingSent() throws Exception {
    String url = answering(500);
    assertThat(RawPostRate.measure(url, Duration.ofMillis(500), 4)).isZero();
    assertThat(received.get()).isPositive();
  }

  @Test
  void aReceiverThatNeverAnswersEndsTheMeasureAtTheTimeout() throws Exception {
    try (HangingEndpoints never = new HangingEndpoints(1, Duration.ZERO, false)) {
      long start = System.nanoTime();
      double rate = RawPostRate.measure(never.url(0, "raw"), Duration.ofMillis(300), 4, Duration.ofMillis(300));
      assertThat(rate).isZero();
      // Warm-up (1 s) and measure (0.3 s), each then waiting out the timeout of those in flight: well under 10 s.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
  }
}
