package com.apindicators.webhooks.client;

import com.apindicators.webhooks.server.WebhooksServer;
import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.server.config.Transport;
import com.apindicators.webhooks.server.security.ApiKeys;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/** The real server over Netty on a real embedded PostgreSQL, for client and CLI tests. */
final class LiveServer implements AutoCloseable {
  final Database db;
  /** The embedded database's directory (tens of MB or more), deleted on close. */
  private final Path dir;
  final String adminKey;
  private final SecretBox secrets = SecretBox.random();
  private final ApiKeys keys;
  WebhooksServer server;
  int port;

  LiveServer() throws Exception {
    dir = Files.createTempDirectory("webhooks-client-test");
    db = Database.embedded(dir, 16);
    keys = new ApiKeys(db.jdbi());
    adminKey = keys.create(null, "client tests").apiKey();
    start(0);
  }

  /** Starts the server on a port (0 = any free one). */
  void start(int onPort) throws Exception {
    server = new WebhooksServer(Transport.netty(onPort, Transport.Tls.NONE), db,
        new ServerConfig(onPort, null, null, true, 64, Duration.ofSeconds(60)), keys, secrets);
    server.start();
    port = server.port();
  }

  String target() {
    return "localhost:" + port;
  }

  @Override
  public void close() throws Exception {
    server.stop();
    db.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
