package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.Receiver;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our docs' Python and Node.js verify snippets, run unchanged by the real interpreters, accept what we send. */
class DocsSnippetsVerifyTest {
  @TempDir Path dir;

  @Test
  void docsSnippetsVerifyARealDeliveryAndRejectATamperedOne() throws Exception {
    try (GrpcTestServer server = GrpcTestServer.start(); Receiver receiver = new Receiver()) {
      Fixtures f = new Fixtures(server.channel);
      String secret = f.webhook("d", receiver.url("/hook"), "signal.buy").getSigningSecret();
      f.publish("signal.buy", DeliveryPipelineTest.DOCS_DATA.replace("BTCUSDT", "BTC\u00e9\u20ac"), "d");
      await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests("/hook").size() == 1);
      Receiver.Request r = receiver.requests("/hook").get(0);
      Path body = dir.resolve("body.json");
      Files.write(body, r.body());
      Path tampered = dir.resolve("tampered.json");
      Files.write(tampered, r.bodyText().replace("0.87", "0.88").getBytes(StandardCharsets.UTF_8));
      String header = r.header("x-webhook-signature");

      Path py = copy("verify.py");
      Path js = copy("verify.js");
      assertThat(run("python3", py.toString(), body.toString(), header, secret)).isEqualTo("True");
      assertThat(run("python3", py.toString(), tampered.toString(), header, secret)).isEqualTo("False");
      assertThat(run("node", js.toString(), body.toString(), header, secret)).isEqualTo("true");
      assertThat(run("node", js.toString(), tampered.toString(), header, secret)).isEqualTo("false");
    }
  }

  private Path copy(String name) throws Exception {
    Path p = dir.resolve(name);
    try (InputStream in = getClass().getResourceAsStream("/docs-snippets/" + name)) {
      Files.copy(in, p);
    }
    return p;
  }

  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
