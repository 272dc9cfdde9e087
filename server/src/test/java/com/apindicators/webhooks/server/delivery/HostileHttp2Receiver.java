package com.apindicators.webhooks.server.delivery;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;

/**
 * An HTTP/2 endpoint over TLS (ALPN {@code h2}) written frame by frame, so that it can answer as no library would:
 * each request gets {@code 200} with {@code fields} header fields of {@code valueBytes} each (literal, not indexed, so
 * each costs the client its full size), sent as one HEADERS frame of up to {@code fragmentBytes} and as many
 * CONTINUATION frames of that size as the header block needs.
 */
final class HostileHttp2Receiver implements AutoCloseable {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0;
  private static final int HEADERS = 1;
  private static final int SETTINGS = 4;
  private static final int CONTINUATION = 9;
  private static final int END_STREAM = 0x1;
  private static final int ACK = 0x1;
  private static final int END_HEADERS = 0x4;
  private final SSLServerSocket socket;
  private final byte[] block;
  private final int fragmentBytes;
  private final AtomicInteger requests = new AtomicInteger();
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "hostile-http2");
    t.setDaemon(true);
    return t;
  });

  HostileHttp2Receiver(SSLContext tls, int fields, int valueBytes, int fragmentBytes) throws IOException {
    this.block = block(fields, valueBytes);
    this.fragmentBytes = fragmentBytes;
    socket = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    SSLParameters params = socket.getSSLParameters();
    params.setApplicationProtocols(new String[] {"h2"});
    socket.setSSLParameters(params);
    executor.execute(this::acceptLoop);
  }

  int port() {
    return socket.getLocalPort();
  }

  /** Requests answered (their answer written, or its writing begun). */
  int requests() {
    return requests.get();
  }

  /** The frames of the answer's header block, beyond the HEADERS frame. */
  int continuations() {
    return Math.max(0, (block.length + fragmentBytes - 1) / fragmentBytes - 1);
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        executor.execute(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      DataInputStream in = new DataInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      byte[] preface = new byte[PREFACE.length];
      in.readFully(preface);
      if (!Arrays.equals(preface, PREFACE)) {
        return;
      }
      frame(out, SETTINGS, 0, 0, new byte[0]);
      while (true) {
        int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        in.readNBytes(length);
        if (type == SETTINGS && (flags & ACK) == 0) {
          frame(out, SETTINGS, ACK, 0, new byte[0]);
        } else if ((type == HEADERS || type == DATA) && stream > 0 && (flags & END_STREAM) != 0) {
          requests.incrementAndGet();
          answer(out, stream);
        }
      }
    } catch (IOException e) {
      // the client closed the connection, as it should on an answer beyond its limits
    }
  }

  private void answer(OutputStream out, int stream) throws IOException {
    for (int at = 0; at < block.length; at += fragmentBytes) {
      int end = Math.min(block.length, at + fragmentBytes);
      int flags = end == block.length ? END_HEADERS : 0;
      frame(out, at == 0 ? HEADERS : CONTINUATION, at == 0 ? flags | END_STREAM : flags, stream,
          Arrays.copyOfRange(block, at, end));
    }
  }

  private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
    out.write(new byte[] {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
        (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream});
    out.write(payload);
    out.flush();
  }

  /** HPACK: {@code :status 200} (static index 8), then each field a literal without indexing, with a new name. */
  private static byte[] block(int fields, int valueBytes) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(0x88);
    byte[] value = "v".repeat(valueBytes).getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < fields; i++) {
      byte[] name = ("x-pad-" + i).getBytes(StandardCharsets.US_ASCII);
      b.write(0x00);
      string(b, name);
      string(b, value);
    }
    return b.toByteArray();
  }

  /** A string literal without Huffman coding: its length as a 7-bit-prefix integer, then its bytes. */
  private static void string(ByteArrayOutputStream b, byte[] s) {
    int n = s.length;
    if (n < 127) {
      b.write(n);
    } else {
      b.write(127);
      n -= 127;
      while (n >= 128) {
        b.write((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      b.write(n);
    }
    b.writeBytes(s);
  }

  @Override
  public void close() throws IOException {
    socket.close();
    executor.shutdownNow();
  }
}
