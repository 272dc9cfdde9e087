package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Lanes held back for an unproven slot wait in line, and each attempt's end lets go of the first in line only: one
 * account's many endpoints that fail at once (never a 2xx, so never proven) all get their turns, beside another
 * account's, and an end costs the dispatcher a lane or two, not every lane in line.
 */
class UnprovenLineTest {
  private final SecretBox box = SecretBox.random();

  @Test
  void manyFailingLanesAllTakeTheirTurnsAndEachEndLetsGoOfALaneOrTwo() throws Exception {
    try (HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(10), 8)) {
      AtomicInteger outcomes = new AtomicInteger();
      // 8 slots: unproven attempts may hold 4 in all and 2 per account.
      Dispatcher d = new Dispatcher(sender, o -> outcomes.incrementAndGet(), new DeliveryEngine.Settings(8, 4, 8, 800,
          Long.MAX_VALUE, Duration.ofSeconds(120), Duration.ofMillis(200), Duration.ofSeconds(10), true));
      List<Integer> refusing = closedPorts(50);
      for (int i = 0; i < 40; i++) {
        assertThat(d.offer(jobs("many", "http://127.0.0.1:" + refusing.get(i) + "/x", 5))).isEmpty();
      }
      for (int i = 40; i < 50; i++) {
        assertThat(d.offer(jobs("other", "http://127.0.0.1:" + refusing.get(i) + "/x", 5))).isEmpty();
      }
      // No trim runs here: only the ends let lanes go.
      await().atMost(Duration.ofSeconds(60)).until(() -> outcomes.get() == 250);
      // An outcome is reported before its end is counted.
      await().atMost(Duration.ofSeconds(10)).until(() -> d.inFlight() == 0);
      assertThat(d.unprovenInFlight()).isZero();
      assertThat(d.queued()).isZero();
      // Letting go of every lane in line at each end made about 40 re-checks an attempt here.
      assertThat(d.unprovenLetGo()).as("lanes let go by 250 ends").isLessThanOrEqualTo(2 * 250);
    }
  }

  /** Ports on loopback nothing listens on (bound, then closed): a connection to each is refused at once. */
  private static List<Integer> closedPorts(int n) throws Exception {
    List<ServerSocket> sockets = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
      sockets.add(s);
      ports.add(s.getLocalPort());
    }
    for (ServerSocket s : sockets) {
      s.close();
    }
    return ports;
  }

  private List<DeliveryJob> jobs(String account, String url, int n) {
    return TestJobs.of(box, account, url, n);
  }
}
