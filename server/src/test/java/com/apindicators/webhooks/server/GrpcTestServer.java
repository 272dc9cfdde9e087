package com.apindicators.webhooks.server;

import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.server.security.ApiKeys;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.store.Database;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;

/** The whole server on an in-process channel over the shared, cleaned PostgreSQL; {@link #channel} uses an admin key. */
public final class GrpcTestServer implements AutoCloseable {
  public final Database db;
  public final WebhooksServer server;
  public final ApiKeys apiKeys;
  public final SecretBox secrets;
  public final ManagedChannel raw;
  /** The channel with an admin key attached. */
  public final Channel channel;

  private GrpcTestServer(Database db, ServerConfig config, SecretBox secrets) throws Exception {
    this.db = db;
    this.secrets = secrets;
    this.apiKeys = new ApiKeys(db.jdbi());
    String name = InProcessServerBuilder.generateName();
    this.server = new WebhooksServer(InProcessServerBuilder.forName(name), db, config, apiKeys, secrets);
    server.start();
    this.raw = InProcessChannelBuilder.forName(name).directExecutor().build();
    this.channel = withKey(raw, apiKeys.create(null, "test admin").apiKey());
  }

  /** The defaults, allowed to deliver to loopback receivers. */
  public static final ServerConfig LOOPBACK = ServerConfig.defaults().withAllowPrivateTargets(true);

  /** A server for tests, allowed to deliver to loopback receivers. */
  public static GrpcTestServer start() throws Exception {
    return start(LOOPBACK);
  }

  public static GrpcTestServer start(ServerConfig config) throws Exception {
    return new GrpcTestServer(TestDatabase.clean(), config, SecretBox.random());
  }

  /** A second server process on the same database and master key, sharing its deliveries. */
  public GrpcTestServer another(ServerConfig config) throws Exception {
    return new GrpcTestServer(db, config, secrets);
  }

  /** The raw channel with a newly created key scoped to an account. */
  public Channel channelForAccount(String accountId) {
    return withKey(raw, apiKeys.create(accountId, "test key for " + accountId).apiKey());
  }

  /** A channel that sends {@code authorization: Bearer <key>}. */
  public static Channel withKey(Channel channel, String apiKey) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + apiKey);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  @Override
  public void close() throws Exception {
    raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.stop();
  }
}
