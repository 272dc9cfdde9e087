package com.apindicators.webhooks.client.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/** Endpoints on loopback that accept every connection, read what is sent, and never answer: a hung customer. */
final class HangingEndpoints implements AutoCloseable {
  private final List<ServerSocket> sockets = new ArrayList<>();
  private final List<Socket> held = new ArrayList<>();
  private boolean closed;

  HangingEndpoints(int count) throws IOException {
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
        daemon("hanging-connection", () -> drain(s));
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
