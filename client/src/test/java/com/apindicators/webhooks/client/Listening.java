package com.apindicators.webhooks.client;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;

/** Waits for a process started beside a test (the CLI's {@code listen}) to accept connections on its port. */
final class Listening {
  private Listening() {
  }

  /**
   * Connects until a connection is accepted. Connecting, not binding: a probe that binds the port holds it for a
   * moment, and the listener starting then fails.
   */
  static void awaitPort(int port) {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return true;
      } catch (IOException notYet) {
        return false;
      }
    });
  }
}
