package com.apindicators.webhooks.server;

import com.apindicators.webhooks.server.config.ServerConfig;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The server under test, its loopback {@link Receiver} and {@link Fixtures}, each started on first use and closed
 * after each test; registered on a static field, they live for the whole class instead.
 *
 * <pre>
 * {@literal @}RegisterExtension final ServerExtension ext = new ServerExtension();
 * private final GrpcTestServer server = ext.server();
 * private final Receiver receiver = ext.receiver();
 * private final Fixtures f = ext.fixtures();
 * </pre>
 */
public final class ServerExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
  private final ServerConfig config;
  private boolean perClass;
  private GrpcTestServer server;
  private Receiver receiver;
  private Fixtures fixtures;

  /** A server allowed to deliver to loopback receivers ({@link GrpcTestServer#LOOPBACK}). */
  public ServerExtension() {
    this(GrpcTestServer.LOOPBACK);
  }

  /** A server with this configuration. */
  public ServerExtension(ServerConfig config) {
    this.config = config;
  }

  /** The server on a freshly cleaned database, started on first call. */
  public synchronized GrpcTestServer server() {
    if (server == null) {
      try {
        server = GrpcTestServer.start(config);
      } catch (Exception e) {
        throw new IllegalStateException("could not start the test server", e);
      }
    }
    return server;
  }

  /** A loopback receiver, started on first call. */
  public synchronized Receiver receiver() {
    if (receiver == null) {
      try {
        receiver = new Receiver();
      } catch (Exception e) {
        throw new IllegalStateException("could not start the test receiver", e);
      }
    }
    return receiver;
  }

  /** Fixtures on the server's admin channel. */
  public synchronized Fixtures fixtures() {
    if (fixtures == null) {
      fixtures = new Fixtures(server().channel);
    }
    return fixtures;
  }

  /** Stops the server, then the receiver; for a test that must do something after they stopped. Safe to repeat. */
  public synchronized void close() throws Exception {
    try {
      if (server != null) {
        server.close();
      }
    } finally {
      server = null;
      fixtures = null;
      if (receiver != null) {
        receiver.close();
        receiver = null;
      }
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
