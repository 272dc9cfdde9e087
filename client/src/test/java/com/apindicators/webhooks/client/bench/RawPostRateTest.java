package com.apindicators.webhooks.client.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bench's raw POST rate: only 2xx answers count, the warm-up's do not, and a receiver that hangs ends it. */
class RawPostRateTest {
  private HttpServer receiver;
  private ExecutorService threads;
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong answered2xx = new AtomicLong();

  /** A receiver that answers its first {@code okFirst} requests 204, and {@code code} after. */
  private String answering(int code, long okFirst) throws Exception {
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    threads = Executors.newFixedThreadPool(4);
    receiver.setExecutor(threads);
    receiver.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      boolean ok = received.incrementAndGet() <= okFirst;
      if (ok) {
        answered2xx.incrementAndGet();
      }
      ex.sendResponseHeaders(ok ? 204 : code, -1);
      ex.close();
    });
    receiver.start();
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/raw";
  }

  @AfterEach
  void stop() {
    if (receiver != null) {
      receiver.stop(0);
      threads.shutdownNow();
    }
  }

  @Test
  void countsThe2xxAnswers() throws Exception {
    String url = answering(204, Long.MAX_VALUE);
    double rate = RawPostRate.measure(url, Duration.ofSeconds(2), 8);
    assertThat(rate).isPositive();
    // A rate per second over at least 2 s: the receiver saw at least twice as many answers (and the warm-up's
    // besides). A count returned as the rate would not hold.
    assertThat(rate * 2).isLessThanOrEqualTo(received.get());
  }

  @Test
  void theWarmUpsAnswersAreNotCounted() throws Exception {
    // 2xx only for the first 10 requests, which the warm-up's second sends (4 in flight): none of them may count.
    String url = answering(500, 10);
    assertThat(RawPostRate.measure(url, Duration.ofMillis(500), 4)).isZero();
    assertThat(answered2xx.get()).isPositive();
  }

  @Test
  void answersThatAreNot2xxCountAsNothingSent() throws Exception {
    String url = answering(500, 0);
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
