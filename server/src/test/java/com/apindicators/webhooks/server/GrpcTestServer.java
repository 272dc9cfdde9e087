package com.apindicators.webhooks.server;

import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.server.store.Database;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.concurrent.TimeUnit;

/** The whole server on an in-process channel over the shared, cleaned PostgreSQL. */
public final class GrpcTestServer implements AutoCloseable {
  public final Database db;
  public final WebhooksServer server;
  public final ManagedChannel channel;

  private GrpcTestServer(Database db, ServerConfig config) throws Exception {
    this.db = db;
    String name = InProcessServerBuilder.generateName();
    this.server = new WebhooksServer(InProcessServerBuilder.forName(name), db, config);
    server.start();
    this.channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  /** A server for tests, allowed to deliver to loopback receivers. */
  public static GrpcTestServer start() throws Exception {
    return start(ServerConfig.defaults().withAllowPrivateTargets(true));
  }

  public static GrpcTestServer start(ServerConfig config) throws Exception {
    return new GrpcTestServer(TestDatabase.clean(), config);
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.stop();
  }
}
