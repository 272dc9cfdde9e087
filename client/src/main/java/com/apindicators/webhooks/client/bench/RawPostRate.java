package com.apindicators.webhooks.client.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/** The receiver's raw rate: signed-size POSTs straight at it, no server in between, a fixed number in flight. */
final class RawPostRate {
  private static final String BODY = "{\"event\":\"signal.buy\",\"timestamp\":\"2026-04-03T14:30:00Z\",\"data\":"
      + "{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"score\":0.87,\"market_type\":\"trending\",\"interval\":\"1h\"}}";

  private RawPostRate() {}

  /** POSTs per second reached against the URL for the given time; errors count as nothing sent. */
  static double measure(String url, Duration duration, int inFlight) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(BODY)).build();
    Semaphore slots = new Semaphore(inFlight);
    AtomicLong ok = new AtomicLong();
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    while (System.nanoTime() < end) {
      slots.acquire();
      http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
        if (e == null && r.statusCode() / 100 == 2) {
          ok.incrementAndGet();
        }
        slots.release();
      });
    }
    slots.acquire(inFlight);
    return ok.get() / ((System.nanoTime() - start) / 1e9);
  }
}
