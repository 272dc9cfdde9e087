package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.RawReceiver;
import com.apindicators.webhooks.server.api.WebhookRequests;
import com.apindicators.webhooks.server.events.EventJson;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import com.google.gson.Gson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each request on a connection has its own {@link AnswerBudget}: answers just under it follow one another on one
 * kept-alive connection, and one over it fails with an error that says so, over plain HTTP and over TLS. The answers are chunked bodies of one-byte
 * chunks with 8,000-byte chunk extensions: 190 of them are about 1.5 MiB, 300 about 2.3 MiB.
 */
class AnswerBudgetTest {
  private static final byte[] CHUNK = ("1;x=" + "e".repeat(8000) + "\r\nz\r\n").getBytes(StandardCharsets.US_ASCII);
  private final SecretBox box = SecretBox.random();
  private final AtomicInteger connections = new AtomicInteger();
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "framed-receiver");
    t.setDaemon(true);
    return t;
  });
  private ServerSocket socket;
  private String scheme;

  @TempDir
  Path dir;

  /** Answers a POST to {@code /chunks/N} with N framed one-byte chunks, on as many requests as a connection brings. */
  private void receiver(TestTls tls) throws IOException {
    socket = tls == null ? new ServerSocket(0, 50, InetAddress.getLoopbackAddress())
        : tls.server.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    scheme = tls == null ? "http" : "https";
    executor.execute(() -> {
      while (!socket.isClosed()) {
        try {
          Socket s = socket.accept();
          connections.incrementAndGet();
          executor.execute(() -> serve(s));
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  @AfterEach
  void stop() throws IOException {
    if (socket != null) {
      socket.close();
    }
    executor.shutdownNow();
  }

  private static void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      while (true) {
        String head = RawReceiver.readRequest(in);
        int from = head.indexOf("/chunks/") + 8;
        int to = from;
        while (Character.isDigit(head.charAt(to))) {
          to++;
        }
        int chunks = Integer.parseInt(head.substring(from, to));
        out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < chunks; i++) {
          out.write(CHUNK);
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
    } catch (IOException e) {
      // the client closed the connection (readRequest fails at its end)
    }
  }

  private AttemptResult send(HttpSender sender, int chunks) throws Exception {
    return send(sender, chunks, "");
  }

  private AttemptResult send(HttpSender sender, int chunks, String query) throws Exception {
    return TestJobs.attempt(sender,
        TestJobs.to("localhost", scheme + "://localhost:" + socket.getLocalPort() + "/chunks/" + chunks + query, box));
  }

  /**
   * The longest request line a webhook can make (its URL at most 2,048 characters, here each a 3-byte character
   * percent-encoded) still begins a new budget: three answers of 1.5 MiB follow one another on one connection.
   */
  @Test
  void theLongestRequestLineStillBeginsABudget() throws Exception {
    receiver(null);
    String query = "?q=" + "%E2%82%AC".repeat((WebhookRequests.MAX_URL - 60) / 9);
    try (HttpSender sender = new HttpSender(new TargetGuard(true, h -> new InetAddress[] {InetAddress.getLoopbackAddress()}),
        box, Duration.ofSeconds(10), 1)) {
      for (int i = 0; i < 3; i++) {
        AttemptResult under = send(sender, 190, query);
        assertThat(under.error()).isEmpty();
        assertThat(under.responseBody()).hasSize(190);
      }
      assertThat(connections.get()).isEqualTo(1);
    }
  }

  /**
   * No write of a body renews the budget, wherever an endpoint makes it start: a hostile event's data is full of
   * request lines, yet no offset of the delivered body reads as a head's start, while a real head does, and one cut
   * before its line ends does not. The old check (the body's {@code POST } at a write's start) matched here.
   */
  @Test
  void noWriteOfABodyBeginsABudget() throws Exception {
    String line = "POST /x HTTP/1.1\r\nHost: a\r\n\r\n";
    EventJson.Data data = EventJson.parse("{\"a\":" + new Gson().toJson(line) + ",\"POST / HTTP/1.1\":[\"POST \","
        + "\" HTTP/1.1\"],\"b\":\"POST\\r\\nPOST /y HTTP/1.1\\r\\n\",\"c\":\"\\u2028POST\\u0000 HTTP/1.1\"}");
    byte[] body = Payload.body("signal.buy", Instant.parse("2026-12-01T00:00:00Z"), data.compact());
    int posts = 0;
    for (int offset = 0; offset < body.length; offset++) {
      ByteBuffer write = ByteBuffer.wrap(body, offset, body.length - offset);
      posts += new String(body, offset, Math.min(5, body.length - offset), StandardCharsets.US_ASCII).equals("POST ") ? 1 : 0;
      assertThat(AnswerBudget.beginsHead(write)).as("a write from offset %d", offset).isFalse();
    }
    assertThat(posts).isGreaterThanOrEqualTo(4);

    byte[] head = "POST /hooks/a?b=c HTTP/1.1\r\nHost: example.com\r\n\r\n{}".getBytes(StandardCharsets.US_ASCII);
    assertThat(AnswerBudget.beginsHead(ByteBuffer.wrap(head))).isTrue();
    assertThat(AnswerBudget.beginsHead(ByteBuffer.wrap(head, 0, 20))).isFalse();
    assertThat(AnswerBudget.beginsHead(ByteBuffer.wrap("POST  HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)))).isFalse();
    assertThat(AnswerBudget.beginsHead(ByteBuffer.wrap("POST /a b HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)))).isFalse();
    assertThat(AnswerBudget.beginsHead(ByteBuffer.wrap("POST /a HTTP/1.1\n".getBytes(StandardCharsets.US_ASCII)))).isFalse();
    byte[] longLine = ("POST /" + "a".repeat(AnswerBudget.MAX_LINE) + " HTTP/1.1\r\n").getBytes(StandardCharsets.US_ASCII);
    assertThat(AnswerBudget.beginsHead(ByteBuffer.wrap(longLine))).isFalse();
  }

  @Test
  void overPlainHttp() throws Exception {
    receiver(null);
    answersUnderTheBudgetFollowOneAnotherOnOneConnectionAndOneOverItFails();
  }

  /** Over TLS the parser is handed decrypted bytes rather than reading them: they count too. */
  @Test
  void overTls() throws Exception {
    try (TestTls tls = new TestTls(dir)) {
      receiver(tls);
      answersUnderTheBudgetFollowOneAnotherOnOneConnectionAndOneOverItFails();
    }
  }

  private void answersUnderTheBudgetFollowOneAnotherOnOneConnectionAndOneOverItFails() throws Exception {
    assertThat(190L * CHUNK.length).isLessThan(AnswerBudget.MAX_BYTES);
    assertThat(300L * CHUNK.length).isGreaterThan(AnswerBudget.MAX_BYTES);
    try (HttpSender sender = new HttpSender(new TargetGuard(true, h -> new InetAddress[] {InetAddress.getLoopbackAddress()}),
        box, Duration.ofSeconds(10), 1)) {
      for (int i = 0; i < 3; i++) {
        AttemptResult under = send(sender, 190);
        assertThat(under.error()).isEmpty();
        assertThat(under.responseBody()).hasSize(190);
      }
      // Three answers of 1.5 MiB on one connection: more than the budget in all, each within it.
      assertThat(connections.get()).isEqualTo(1);

      AttemptResult over = send(sender, 300);
      assertThat(over.delivered()).isFalse();
      assertThat(over.error()).isEqualTo("The endpoint sent more than " + AnswerBudget.MAX_BYTES
          + " bytes in answer to one request; not read further");
    }
  }
}
