package com.apindicators.webhooks.server.config;

import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The gRPC port: plaintext or TLS (optionally requiring client certificates), with explicit limits per connection. */
public final class Transport {
  /** Largest request message. */
  public static final int MAX_INBOUND_MESSAGE_BYTES = 1 << 20;
  /** Largest request metadata (headers). */
  public static final int MAX_INBOUND_METADATA_BYTES = 8 * 1024;
  /** Calls one connection may have open at once (watch streams included). */
  public static final int MAX_CONCURRENT_CALLS_PER_CONNECTION = 1000;
  /** Clients may not ping more often than this; more often gets the connection closed (GOAWAY). */
  public static final long MIN_CLIENT_KEEPALIVE_SECONDS = 20;

  private Transport() {}

  /**
   * TLS settings; all null for plaintext.
   *
   * @param clientCa when set, clients must present a certificate signed by it (mutual TLS)
   */
  public record Tls(Path certChain, Path privateKey, Path clientCa) {
    public static final Tls NONE = new Tls(null, null, null);

    public boolean enabled() {
      return certChain != null;
    }
  }

  /** A Netty server builder for the port on every interface, with the credentials and limits applied. */
  public static NettyServerBuilder netty(int port, Tls tls) throws IOException {
    return netty(null, port, tls);
  }

  /** A Netty server builder for the port on one address ({@code bind}), or on every interface when it is null. */
  public static NettyServerBuilder netty(String bind, int port, Tls tls) throws IOException {
    ServerCredentials credentials = credentials(tls);
    NettyServerBuilder builder = bind == null ? NettyServerBuilder.forPort(port, credentials)
        : NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getByName(bind), port), credentials);
    return builder
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        .maxInboundMetadataSize(MAX_INBOUND_METADATA_BYTES)
        .maxConcurrentCallsPerConnection(MAX_CONCURRENT_CALLS_PER_CONNECTION)
        .permitKeepAliveTime(MIN_CLIENT_KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .keepAliveTime(60, TimeUnit.SECONDS)
        .keepAliveTimeout(20, TimeUnit.SECONDS)
        .maxConnectionIdle(30, TimeUnit.MINUTES);
  }

  static ServerCredentials credentials(Tls tls) throws IOException {
    if (!tls.enabled()) {
      return InsecureServerCredentials.create();
    }
    TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(tls.certChain().toFile(), tls.privateKey().toFile());
    if (tls.clientCa() != null) {
      b.trustManager(tls.clientCa().toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    return b.build();
  }
}
