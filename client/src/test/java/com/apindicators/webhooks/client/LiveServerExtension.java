package com.apindicators.webhooks.client;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The {@link LiveServer} under test, started on first use and closed after each test; registered on a static field,
 * it lives for the whole class instead (closed after the class's own {@code @AfterAll} methods).
 *
 * <pre>
 * {@literal @}RegisterExtension static final LiveServerExtension ext = new LiveServerExtension();
 * static final LiveServer server = ext.server();
 * </pre>
 */
final class LiveServerExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
  private boolean perClass;
  private LiveServer server;

  /** The server on its own fresh embedded database, started on first call. */
  synchronized LiveServer server() {
    if (server == null) {
      try {
        server = new LiveServer();
      } catch (Exception e) {
        throw new IllegalStateException("could not start the live server", e);
      }
    }
    return server;
  }

  /** Stops the server and its database. Safe to repeat. */
  synchronized void close() throws Exception {
    try {
      if (server != null) {
        server.close();
      }
    } finally {
      server = null;
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true; // only an extension on a static field is called before all tests
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (!perClass) {
      close();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    close();
  }
}
