package com.apindicators.webhooks.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A loopback endpoint that accepts every TCP connection and never answers; closing it resets them all. */
public final class HangingEndpoint implements AutoCloseable {
  private final ServerSocket server;
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private boolean closed;

  public HangingEndpoint() throws IOException {
    server = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          synchronized (held) {
            if (closed) {
              s.close(); // accepted as it closed: reset like the others, or its attempt hangs to its timeout
              return;
            }
            held.add(s);
          }
        } catch (IOException e) {
          return;
        }
      }
    }, "hanging-endpoint");
    t.setDaemon(true);
    t.start();
  }

  /** The URL of a path here. */
  public String url(String path) {
    return "http://127.0.0.1:" + server.getLocalPort() + path;
  }

  /** How many connections it accepted (all are held open until it is closed). */
  public int connections() {
    return held.size();
  }

  @Override
  public void close() throws IOException {
    synchronized (held) {
      closed = true;
    }
    server.close();
    for (Socket s : held) {
      s.close();
    }
  }
}
