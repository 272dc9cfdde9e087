package com.apindicators.webhooks.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A loopback HTTP endpoint on a raw socket that answers every request with the same bytes, malformed or not. */
public final class RawReceiver implements AutoCloseable {
  private final ServerSocket socket;
  private final byte[] answer;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final AtomicInteger requests = new AtomicInteger();

  /** Answers with exactly these bytes, then closes the connection. */
  public RawReceiver(byte[] answer) throws IOException {
    this.answer = answer;
    this.socket = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
    executor.execute(this::accept);
  }

  /** The answer as ISO-8859-1 text, so "\u0000" and "\u00ff" stand for the raw bytes 0x00 and 0xff. */
  public static RawReceiver answering(String rawLatin1) throws IOException {
    return new RawReceiver(rawLatin1.getBytes(StandardCharsets.ISO_8859_1));
  }

  public String url(String path) {
    return "http://127.0.0.1:" + socket.getLocalPort() + path;
  }

  /** How many complete requests arrived. */
  public int requests() {
    return requests.get();
  }

  private void accept() {
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
      InputStream in = s.getInputStream();
      readRequest(in);
      requests.incrementAndGet();
      s.getOutputStream().write(answer);
      s.getOutputStream().flush();
    } catch (IOException e) {
      // the client gave up; nothing to do
    }
  }

  /** Reads a request: its head, returned, and its body (by its Content-Length). Fails at the connection's end. */
  public static String readRequest(InputStream in) throws IOException {
    String head = readHead(in);
    int length = 0;
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    in.readNBytes(length);
    return head;
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed before the end of the request head");
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    socket.close();
    executor.shutdownNow();
    executor.awaitTermination(5, TimeUnit.SECONDS);
  }
}
