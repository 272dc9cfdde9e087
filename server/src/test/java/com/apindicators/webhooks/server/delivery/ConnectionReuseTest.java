package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The in-flight share moves between endpoints; an endpoint's idle connections must survive another endpoint's
 * turn, or every turn pays new connections.
 */
class ConnectionReuseTest {
  private static final int PER_ENDPOINT = 2;
  private final ExecutorService threads = Executors.newFixedThreadPool(2 * PER_ENDPOINT);
  private final List<HttpServer> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(s -> s.stop(0));
    threads.shutdownNow();
  }

  @Test
  void anEndpointKeepsItsConnectionsWhileAnotherTakesItsTurn() throws Exception {
    Set<Integer> portsA = ConcurrentHashMap.newKeySet();
    Set<Integer> portsB = ConcurrentHashMap.newKeySet();
    Receiver a = receiver(portsA);
    Receiver b = receiver(portsB);
    SecretBox box = SecretBox.random();
    try (HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(10), PER_ENDPOINT)) {
      String secret = box.seal("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
      sendTogether(sender, a, secret);
      sendTogether(sender, b, secret);
      sendTogether(sender, a, secret);
    }
    // Each turn needed PER_ENDPOINT connections at once; A's second turn found its first turn's still open.
    assertThat(portsA).hasSize(PER_ENDPOINT);
    assertThat(portsB).hasSize(PER_ENDPOINT);
  }

  /** Sends PER_ENDPOINT attempts that the receiver answers only once all arrived: that many connections at once. */
  private void sendTogether(HttpSender sender, Receiver r, String secret) throws InterruptedException {
    r.arrived = new CountDownLatch(PER_ENDPOINT);
    CountDownLatch done = new CountDownLatch(PER_ENDPOINT);
    List<AttemptResult> results = new ArrayList<>();
    for (int i = 0; i < PER_ENDPOINT; i++) {
      sender.send(new DeliveryJob("dlv_" + i, "wh_1", "acct", r.url, secret, null, "signal.buy", Instant.now(),
          "{}", 1, 1, 1000, 1000), result -> {
            synchronized (results) {
              results.add(result);
            }
            done.countDown();
          });
    }
    assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
    assertThat(results).allMatch(AttemptResult::delivered);
  }

  private Receiver receiver(Set<Integer> clientPorts) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    Receiver r = new Receiver("http://127.0.0.1:" + server.getAddress().getPort() + "/h");
    server.setExecutor(threads);
    server.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      clientPorts.add(ex.getRemoteAddress().getPort());
      CountDownLatch arrived = r.arrived;
      arrived.countDown();
      try {
        arrived.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.sendResponseHeaders(204, -1);
      try (OutputStream os = ex.getResponseBody()) {
        os.flush();
      }
    });
    server.start();
    servers.add(server);
    return r;
  }

  private static final class Receiver {
    final String url;
    volatile CountDownLatch arrived;

    Receiver(String url) {
      this.url = url;
    }
  }
}
