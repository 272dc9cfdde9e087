package com.apindicators.webhooks.server.delivery;

import com.apindicators.webhooks.server.security.TargetGuard;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** The dispatcher and sender alone (signing, HTTP, no database): deliveries per second to a loopback receiver. */
public final class SenderBenchmark {
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4096);
    ExecutorService threads = Executors.newFixedThreadPool(4);
    receiver.setExecutor(threads);
    byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
    receiver.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(200, ok.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(ok);
      }
    });
    receiver.start();
    String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/h";
    String data = "{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"score\":0.87,\"market_type\":\"trending\",\"interval\":\"1h\"}";
    com.apindicators.webhooks.server.security.SecretBox box = com.apindicators.webhooks.server.security.SecretBox.random();
    String sealed = box.seal("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    try (HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(10), 256)) {
      for (int round = 1; round <= rounds; round++) {
        CountDownLatch done = new CountDownLatch(n);
        Dispatcher d = new Dispatcher(sender, o -> done.countDown(), new DeliveryEngine.Settings(256, 64, 64, n,
            Long.MAX_VALUE, Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ofSeconds(10), true));
        List<DeliveryJob> jobs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          jobs.add(new DeliveryJob("dlv_" + i, "wh_1", "a", url, sealed, null, "signal.buy",
              Instant.now(), data, 1, 1, 1000, 1000));
        }
        long start = System.nanoTime();
        // What the dispatcher refuses (past what a lane has earned) or gives back (trim) is offered again, as the
        // engine releases it and the poller claims it back.
        List<DeliveryJob> refused = d.offer(jobs);
        long giveUp = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!done.await(2, TimeUnit.MILLISECONDS)) {
          if (System.nanoTime() > giveUp) {
            throw new IllegalStateException(done.getCount() + " of " + n + " deliveries did not end in 5 minutes");
          }
          refused.addAll(d.trim());
          refused = d.offer(refused);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("round %d: %d signed deliveries in %.2f s = %.0f/s%n", round, n, secs, n / secs);
      }
    }
    receiver.stop(0);
    threads.shutdownNow();
  }
}
