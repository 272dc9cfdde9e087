package com.apindicators.webhooks.server.security;

import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.Delivery;
import com.apindicators.webhooks.v1.DeliveryStatus;
import io.grpc.Status;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Webhooks cannot reach internal addresses, however spelled, at save time or at connect time. */
class SsrfGuardTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension(ServerConfig.defaults()); // private targets NOT allowed
  private final GrpcTestServer server = ext.server();
  private final Fixtures f = ext.fixtures();
  private ServerSocket listener;
  private final AtomicInteger connections = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    f.plan("ssrf", com.apindicators.webhooks.v1.Plan.PLAN_BUSINESS);
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(() -> {
      while (!listener.isClosed()) {
        try (Socket s = listener.accept()) {
          connections.incrementAndGet();
        } catch (Exception e) {
          return;
        }
      }
    });
    accept.setDaemon(true);
    accept.start();
  }

  @AfterEach
  void stop() throws Exception {
    listener.close();
  }

  @Test
  void internalTargetsAreRefusedWhenSavedInEverySpelling() {
    int p = listener.getLocalPort();
    List<String> urls = List.of(
        "http://127.0.0.1:" + p + "/", "http://127.1:" + p + "/", "http://2130706433:" + p + "/",
        "http://0177.0.0.1:" + p + "/", "http://0x7f.0.0.1:" + p + "/", "http://0x7f000001:" + p + "/",
        "http://[::1]:" + p + "/", "http://[::ffff:127.0.0.1]:" + p + "/", "http://[::127.0.0.1]:" + p + "/",
        "http://[0:0:0:0:0:ffff:7f00:1]:" + p + "/", "http://[64:ff9b::7f00:1]:" + p + "/", "http://[2002:7f00:1::]:" + p + "/",
        "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/", "http://[fe80::1]/",
        "http://100.64.0.1/", "http://10.0.0.1/", "http://172.16.0.1/", "http://192.168.1.1/",
        "http://0.0.0.0:" + p + "/", "http://[::]:" + p + "/", "http://224.0.0.1/", "http://255.255.255.255/",
        "http://localhost:" + p + "/", "http://LOCALHOST:" + p + "/", "http://api.localhost:" + p + "/",
        // IPv4-translated (RFC 2765 ::ffff:0:0/96), also in dotted form, and Teredo (2001::/32) embedding 127.0.0.1
        "http://[::ffff:0:7f00:1]:" + p + "/", "http://[::ffff:0:127.0.0.1]:" + p + "/",
        "http://[0:0:0:0:ffff:0:a9fe:a9fe]/", "http://[2001:0:7f00:1::80ff:fffe]:" + p + "/",
        // The root's trailing dot changes nothing a name means.
        "http://127.0.0.1.:" + p + "/", "http://0x7f.1.:" + p + "/", "http://api.localhost.:" + p + "/",
        "http://localhost.:" + p + "/", "http://169.254.169.254./latest/meta-data/");
    for (String url : urls) {
      StatusAssert e = failing(() -> f.webhooks.createWebhook(CreateWebhookRequest.newBuilder().setAccountId("ssrf")
          .setName("x").setUrl(url).addEvents("signal.buy").build()));
      assertThat(e.code()).as(url).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.violatedFields()).as(url).containsExactly("url");
    }
    assertThat(TestDatabase.count("SELECT count(*) FROM webhooks")).isZero();
    assertThat(connections.get()).isZero();
  }

  @Test
  void publicLiteralsAndNamesAreAccepted() {
    for (String url : List.of("https://8.8.8.8/hook", "https://[2606:4700:4700::1111]/hook", "https://cafe.be/hook",
        "https://hooks.example.com:8443/x")) {
      f.webhooks.createWebhook(CreateWebhookRequest.newBuilder().setAccountId("ssrf").setName("x").setUrl(url)
          .addEvents("backtest.run").build());
    }
    assertThat(TestDatabase.count("SELECT count(*) FROM webhooks")).isEqualTo(4);
  }

  @Test
  void atConnectTimeInternalAddressesAreRefusedAndNoConnectionIsMade() throws Exception {
    int p = listener.getLocalPort();
    // Stored behind validation's back, as a name that later resolves internally (DNS rebinding) would be.
    List<String> urls = List.of("http://localhost:" + p + "/", "http://127.0.0.1:" + p + "/", "http://127.1:" + p + "/",
        "http://[::ffff:127.0.0.1]:" + p + "/", "http://2130706433:" + p + "/");
    server.db.jdbi().useHandle(h -> {
      for (int i = 0; i < urls.size(); i++) {
        h.execute("INSERT INTO webhooks (webhook_id, account_id, name, url, events, signing_secret, secret_hint)"
            + " VALUES (?, 'ssrf', 'sneaky', ?, '{order.filled}', ?, 'x')", "wh_sneaky" + i, urls.get(i),
            server.secrets.seal(com.apindicators.webhooks.server.registry.SigningSecrets.generate()));
      }
    });
    assertThat(f.publish("order.filled", "{}", "ssrf").getDeliveriesCreated()).isEqualTo(urls.size());
    await().atMost(Duration.ofSeconds(10)).until(
        () -> TestDatabase.count("SELECT count(*) FROM deliveries WHERE status = 'FAILED'") == urls.size());
    for (int i = 0; i < urls.size(); i++) {
      Delivery d = f.deliveriesOf("wh_sneaky" + i).get(0);
      assertThat(d.getStatus()).isEqualTo(DeliveryStatus.DELIVERY_STATUS_FAILED);
      assertThat(d.getError()).as(urls.get(i)).startsWith("Refused").contains("no connection was made");
    }
    assertThat(connections.get()).isZero();
  }
}
