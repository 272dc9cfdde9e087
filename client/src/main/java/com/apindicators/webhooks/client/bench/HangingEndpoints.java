package com.apindicators.webhooks.client.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Endpoints on loopback that accept every connection, read what is sent, and never answer (a hung customer), or
 * answer each request 200 after a while (a slow one: inside the server's timeout such an endpoint earns a full lane).
 */
final class HangingEndpoints implements AutoCloseable {
  private static final byte[] OK = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private final List<ServerSocket> sockets = new ArrayList<>();
  private final List<Socket> held = new ArrayList<>();
  private final Duration answerAfter;
  private final AtomicLong answered = new AtomicLong();
  private final boolean everyOtherAtOnce;
  private boolean closed;

  /**
   * @param answerAfter how long each request waits for its 200; zero for never
   * @param everyOtherAtOnce the first, third, ... request on each connection is answered at once (the endpoint keeps a
   *     recent 2xx, and so its full lane, while the others wait)
   */
  HangingEndpoints(int count, Duration answerAfter, boolean everyOtherAtOnce) throws IOException {
    this.answerAfter = answerAfter;
    this.everyOtherAtOnce = everyOtherAtOnce && !answerAfter.isZero();
    for (int i = 0; i < count; i++) {
      ServerSocket socket = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
      sockets.add(socket);
      daemon("hanging-" + i, () -> accept(socket));
    }
  }

  /** The URL of endpoint i (each on its own port, so each is its own host:port to the server). */
  String url(int i, String name) {
    return "http://127.0.0.1:" + sockets.get(i % sockets.size()).getLocalPort() + "/hang/" + name;
  }

  int size() {
    return sockets.size();
  }

  private void accept(ServerSocket socket) {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        synchronized (held) {
          if (closed) {
            s.close(); // accepted as they closed: reset like the others, or its attempt hangs to its timeout
            return;
          }
          held.add(s);
        }
        daemon("hanging-connection", () -> {
          try {
            if (answerAfter.isZero()) {
              drain(s);
            } else {
              answerLate(s);
            }
          } finally {
            synchronized (held) {
              held.remove(s); // ended: a long run's connections are not kept
            }
          }
        });
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
  }

  private static void drain(Socket s) {
    byte[] buf = new byte[8192];
    try (InputStream in = s.getInputStream()) {
      while (in.read(buf) >= 0) {
        // read and discard: the request is taken, the answer never comes
      }
    } catch (IOException ignored) {
      // closed by us or by the server giving up
    }
  }

  /** Whether they answer at all, and when (and, if they do, how many requests they answered so far). */
  String describe() {
    long ms = answerAfter.toMillis();
    String after = ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    return ms == 0 ? "never answer" : (everyOtherAtOnce ? "answer every other request 200 at once, the rest after "
        + after : "answer 200 after " + after) + " (" + answered.get() + " answered)";
  }

  /** Reads each request (headers, then a body of its Content-Length) and answers it 200 after the wait. */
  private void answerLate(Socket s) {
    try (s; InputStream in = new BufferedInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
      for (long n = 1; ; n++) {
        long length = -1;
        for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
          if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
            length = Long.parseLong(line.substring(15).trim());
          }
        }
        if (length < 0) {
          return; // the connection closed, or a request without a length (the server always sends one)
        }
        in.skipNBytes(length);
        if (!everyOtherAtOnce || n % 2 == 0) {
          Thread.sleep(answerAfter.toMillis());
        }
        out.write(OK);
        out.flush();
        answered.incrementAndGet();
      }
    } catch (IOException | NumberFormatException e) {
      // closed by us or by the server giving up
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One header line without its CRLF; null at the end of the stream. */
  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        return null;
      }
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }

  @Override
  public void close() throws IOException {
    synchronized (held) {
      closed = true;
    }
    for (ServerSocket s : sockets) {
      s.close();
    }
    synchronized (held) {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
