package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.RawReceiver;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An endpoint that closes kept-alive connections once idle (Node.js after 5 s, gunicorn after 2 s; here 50 ms) and
 * attempts arriving about then: a request sent on a connection the endpoint just closed is sent again on another
 * within the attempt, so none fails for it (before: about one in ten, each a failed delivery, with no retry by
 * default). An endpoint that reads every request and closes without answering gets each attempt's request at most
 * 1 + {@link HttpSender#MAX_RESENDS} times.
 */
class ClosedConnectionResendTest {
  private static final int IDLE_MS = 50;
  private final SecretBox box = SecretBox.random();
  private final AtomicInteger answered = new AtomicInteger();
  private final AtomicInteger read = new AtomicInteger();
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "closing-receiver");
    t.setDaemon(true);
    return t;
  });
  private ServerSocket socket;

  @AfterEach
  void stop() throws IOException {
    socket.close();
    threads.shutdownNow();
  }

  /** Answers each request, and closes a connection idle for IDLE_MS; or, with {@code answer} false, closes at once. */
  private String receiver(boolean answer) throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(() -> {
      while (!socket.isClosed()) {
        try {
          Socket s = socket.accept();
          threads.execute(() -> serve(s, answer));
        } catch (IOException e) {
          return;
        }
      }
    });
    return "http://127.0.0.1:" + socket.getLocalPort() + "/hook";
  }

  private void serve(Socket s, boolean answer) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      while (true) {
        s.setSoTimeout(IDLE_MS);
        int first;
        try {
          first = in.read();
        } catch (SocketTimeoutException idle) {
          return;
        }
        if (first < 0) {
          return;
        }
        s.setSoTimeout(5000);
        RawReceiver.readRequest(new SequenceInputStream(new ByteArrayInputStream(new byte[] {(byte) first}), in));
        read.incrementAndGet();
        if (!answer) {
          return;
        }
        out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        answered.incrementAndGet();
      }
    } catch (IOException e) {
      // the sender went away
    }
  }

  @Test
  void aRequestOnAConnectionTheEndpointClosedAsIdleIsSentAgainOnAnother() throws Exception {
    String url = receiver(true);
    int attempts = 100;
    int failed = 0;
    try (HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(10), 4)) {
      for (int i = 0; i < attempts; i++) {
        Thread.sleep(IDLE_MS - 5 + ThreadLocalRandom.current().nextInt(10));
        AttemptResult r = TestJobs.attempt(sender, TestJobs.to("127.0.0.1", url, box));
        failed += r.delivered() ? 0 : 1;
      }
    }
    assertThat(failed).isZero();
    assertThat(answered.get()).as("each request answered once").isEqualTo(attempts);
  }

  @Test
  void anEndpointThatClosesWithoutAnsweringGetsTheRequestAtMostTwice() throws Exception {
    String url = receiver(false);
    try (HttpSender sender = new HttpSender(new TargetGuard(true), box, Duration.ofSeconds(10), 4)) {
      AttemptResult r = TestJobs.attempt(sender, TestJobs.to("127.0.0.1", url, box));
      assertThat(r.delivered()).isFalse();
      assertThat(r.error()).contains("Connection closed");
    }
    assertThat(read.get()).isEqualTo(1 + HttpSender.MAX_RESENDS);
  }
}
