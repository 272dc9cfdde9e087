package com.apindicators.webhooks.server.fault;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback endpoint that misbehaves on purpose, at the byte level where a real HTTP server would not let us:
 * resets, trickles, never ends, or answers with NUL bytes, invalid UTF-8 or garbage where HTTP text belongs.
 */
public final class HostileReceiver implements AutoCloseable {
  /** The ways to misbehave; each must leave the delivery cleanly {@code failed} with a readable error. */
  public enum Behaviour {
    /** Reads the request, then resets the connection. */
    RESET,
    /** Promises 100 bytes and sends one a second. */
    TRICKLE,
    /** Answers 500 with a chunked body that never ends. */
    ENDLESS_BODY,
    /** Answers 200 with a header line that never ends (beyond {@code HttpSender.MAX_HEADER_LINE}). */
    ENDLESS_HEADER_LINE,
    /** Answers 200 with one header field more than {@code HttpSender.MAX_HEADER_FIELDS}. */
    TOO_MANY_HEADERS,
    /** Sends informational answers ({@code 103 Early Hints}) without end, never the final one. */
    ENDLESS_INFORMATIONAL,
    /** Answers 500 with one-byte chunks without end, each with a chunk extension of nearly a line's limit. */
    CHUNK_EXTENSIONS,
    /** A chunk header with a NUL byte in it ({@code 1\0 2}): the parser's error text carries the NUL. */
    NUL_IN_CHUNK_HEADER,
    /** NUL and invalid UTF-8 in the status line's reason phrase. */
    NUL_IN_STATUS_LINE,
    /** NUL and invalid UTF-8 in a header value of a 400 answer. */
    BAD_BYTES_IN_HEADERS,
    /** NUL and invalid UTF-8 in the body of a 500 answer. */
    BAD_BYTES_IN_BODY,
    /** Not HTTP at all. */
    GARBAGE_STATUS_LINE,
    /** Plain HTTP where the webhook's URL says https: the TLS handshake fails. */
    TLS_FAILURE
  }

  private final Behaviour behaviour;
  private final ServerSocket socket;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "hostile-receiver");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private volatile boolean open = true;

  public HostileReceiver(Behaviour behaviour) throws IOException {
    this.behaviour = behaviour;
    this.socket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    executor.execute(this::acceptLoop);
  }

  /** The URL a webhook should point at. */
  public String url() {
    return (behaviour == Behaviour.TLS_FAILURE ? "https" : "http") + "://127.0.0.1:" + socket.getLocalPort() + "/hook";
  }

  public Behaviour behaviour() {
    return behaviour;
  }

  /** How many requests (or TLS hellos) arrived. */
  public int requests() {
    return requests.get();
  }

  private void acceptLoop() {
    while (open) {
      try {
        Socket s = socket.accept();
        executor.execute(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  /** Connections still being served: an endless body stays open until the sender closes its end. */
  public int openConnections() {
    return connections.get();
  }

  private void serve(Socket s) {
    connections.incrementAndGet();
    try (s) {
      s.setTcpNoDelay(true);
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      if (behaviour == Behaviour.TLS_FAILURE) {
        in.read(new byte[512]);
        requests.incrementAndGet();
        out.write(ascii("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
        return;
      }
      readRequest(in);
      requests.incrementAndGet();
      switch (behaviour) {
        case RESET -> s.setSoLinger(true, 0);
        case TRICKLE -> {
          out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"));
          for (int i = 0; i < 100 && open; i++) {
            out.write('x');
            out.flush();
            Thread.sleep(1000);
          }
        }
        case ENDLESS_BODY -> {
          out.write(ascii("HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n"));
          byte[] chunk = ascii("400\r\n" + "y".repeat(1024) + "\r\n");
          while (open) {
            out.write(chunk);
          }
        }
        case ENDLESS_HEADER_LINE -> {
          out.write(ascii("HTTP/1.1 200 OK\r\nX-Endless: "));
          byte[] more = ascii("z".repeat(1024));
          while (open) {
            out.write(more);
          }
        }
        case ENDLESS_INFORMATIONAL -> {
          byte[] hint = ascii("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n");
          while (open) {
            out.write(hint);
          }
        }
        case CHUNK_EXTENSIONS -> {
          out.write(ascii("HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n"));
          byte[] chunk = ascii("1;x=" + "e".repeat(8000) + "\r\nz\r\n");
          while (open) {
            out.write(chunk);
          }
        }
        case TOO_MANY_HEADERS -> out.write(ascii("HTTP/1.1 200 OK\r\n" + "X-Field: v\r\n".repeat(101)
            + "Content-Length: 2\r\n\r\nok"));
        case NUL_IN_CHUNK_HEADER -> out.write(concat(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1"),
            new byte[] {0}, ascii("2\r\nab\r\n0\r\n\r\n")));
        case NUL_IN_STATUS_LINE -> out.write(concat(ascii("HTTP/1.1 503 Bad"), new byte[] {0, (byte) 0xff, (byte) 0xc3},
            ascii("\r\nContent-Length: 2\r\n\r\nno")));
        case BAD_BYTES_IN_HEADERS -> out.write(concat(ascii("HTTP/1.1 400 Bad Request\r\nX-Evil: a"),
            new byte[] {0, (byte) 0xfe, (byte) 0xff}, ascii("b\r\nContent-Length: 2\r\n\r\nno")));
        case BAD_BYTES_IN_BODY -> out.write(concat(ascii("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 7\r\n\r\nx"),
            new byte[] {0, (byte) 0xff, (byte) 0xc3, (byte) 0x28, 0, (byte) 0xe2}));
        case GARBAGE_STATUS_LINE -> out.write(concat(ascii("GARBAGE "), new byte[] {0, (byte) 0xff}, ascii("\r\n\r\n")));
        default -> throw new IllegalStateException(behaviour.name());
      }
      out.flush();
    } catch (IOException | InterruptedException e) {
      // the sender gave up or we are closing: that is the point
    } finally {
      connections.decrementAndGet();
    }
  }

  private static void readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      head.write(b);
      byte[] h = head.toByteArray();
      int n = h.length;
      if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
        break;
      }
    }
    String headers = head.toString(StandardCharsets.ISO_8859_1).toLowerCase();
    int at = headers.indexOf("content-length:");
    if (at >= 0) {
      int end = headers.indexOf("\r\n", at);
      in.readNBytes(Integer.parseInt(headers.substring(at + 15, end).trim()));
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Override
  public void close() throws IOException {
    open = false;
    socket.close();
    executor.shutdownNow();
  }
}
