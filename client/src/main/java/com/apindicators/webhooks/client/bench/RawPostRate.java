package com.apindicators.webhooks.client.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.Timeout;

/**
 * The receiver's raw rate: payload-size POSTs straight at it, no server in between, a fixed number in flight, with
 * the HTTP client the server sends with (Apache HttpClient 5, non-blocking, TCP_NODELAY) after a second of warm-up
 * that is not counted. The JDK's HttpClient measured about 1,000 POSTs/s against an nginx that wrk drove at 74,000/s
 * on the same machine (1.2 ms a POST one at a time, about 64 ms each with 64 at once; why, not investigated), so the
 * fraction printed beside it was several times 1.
 */
final class RawPostRate {
  private static final byte[] BODY = ("{\"event\":\"signal.buy\",\"timestamp\":\"2026-04-03T14:30:00Z\",\"data\":"
      + "{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"score\":0.87,\"market_type\":\"trending\",\"interval\":\"1h\"}}")
      .getBytes(StandardCharsets.UTF_8);
  static final Duration WARMUP = Duration.ofSeconds(1);

  private RawPostRate() {}

  /** POSTs answered 2xx per second against the URL for the given time, after {@link #WARMUP}. */
  static double measure(String url, Duration duration, int inFlight) throws InterruptedException {
    return measure(url, duration, inFlight, Duration.ofSeconds(10));
  }

  /** As above; a request not answered within {@code timeout} counts as nothing sent. */
  static double measure(String url, Duration duration, int inFlight, Duration timeout) throws InterruptedException {
    Timeout t = Timeout.of(timeout);
    CloseableHttpAsyncClient http = HttpAsyncClients.custom()
        .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
            .setMaxConnTotal(inFlight).setMaxConnPerRoute(inFlight)
            .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(t).setSocketTimeout(t).build())
            .build())
        .setIOReactorConfig(IOReactorConfig.custom().setTcpNoDelay(true).setSoTimeout(t).build())
        .disableAutomaticRetries().disableRedirectHandling().disableCookieManagement().build();
    try {
      http.start();
      post(http, url, WARMUP, inFlight, timeout);
      long start = System.nanoTime();
      long ok = post(http, url, duration, inFlight, timeout);
      return ok / ((System.nanoTime() - start) / 1e9);
    } finally {
      // Gracefully, once: an immediate close closes the selector under the I/O threads, which log it as an error.
      http.close(CloseMode.GRACEFUL);
    }
  }

  /** POSTs for the duration, then waits for those in flight; returns how many were answered 2xx. */
  private static long post(CloseableHttpAsyncClient http, String url, Duration duration, int inFlight,
      Duration timeout) throws InterruptedException {
    Semaphore slots = new Semaphore(inFlight);
    AtomicLong ok = new AtomicLong();
    long end = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < end) {
      if (!slots.tryAcquire(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        break;
      }
      http.execute(SimpleRequestBuilder.post(url).setBody(BODY, ContentType.APPLICATION_JSON).build(),
          new FutureCallback<SimpleHttpResponse>() {
            @Override
            public void completed(SimpleHttpResponse r) {
              if (r.getCode() / 100 == 2) {
                ok.incrementAndGet();
              }
              slots.release();
            }

            @Override
            public void failed(Exception e) {
              slots.release();
            }

            @Override
            public void cancelled() {
              slots.release();
            }
          });
    }
    // Those still in flight end by their timeout at the latest.
    slots.tryAcquire(inFlight, timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    return ok.get();
  }
}
