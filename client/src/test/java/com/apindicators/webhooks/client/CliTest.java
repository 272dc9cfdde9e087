package com.apindicators.webhooks.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.client.cli.WebhooksCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** The webhooks CLI against a real server: a webhook pointing at `webhooks listen` receives a verified signal. */
class CliTest {
  // Started on first use, not when the class loads: other classes call cli(LiveServer, ...) with their own server.
  @RegisterExtension static final LiveServerExtension ext = new LiveServerExtension();

  /** Runs the CLI in this JVM and captures its exit code, stdout and stderr. */
  record Run(int exit, StringWriter out, StringWriter err) {
    String stdout() {
      return out.toString();
    }
  }

  static Run cli(String... args) {
    return cli(ext.server(), args);
  }

  /** Runs the CLI against a server with its admin key. */
  static Run cli(LiveServer server, String... args) {
    String[] all = new String[args.length + 4];
    all[0] = "--server";
    all[1] = server.target();
    all[2] = "--api-key";
    all[3] = server.adminKey;
    System.arraycopy(args, 0, all, 4, args.length);
    CommandLine cl = WebhooksCli.commandLine(all); // as main builds it: only the command the arguments name
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return new Run(cl.execute(all), out, err);
  }

  @Test
  void aSignalReachesListenVerifiedAndShowsInWatchAndDeliveries() throws Exception {
    assertThat(cli("plan", "set", "--account", "cli", "--plan", "starter").stdout()).contains("plan starter").contains("0/3");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Run created = cli("create", "--account", "cli", "--name", "Local", "--url", "http://127.0.0.1:" + port + "/hook",
        "--events", "signal.buy,order.filled");
    assertThat(created.exit()).isZero();
    Matcher m = Pattern.compile("signing secret: (whsec_\\S+)").matcher(created.stdout());
    assertThat(m.find()).isTrue();
    String secret = m.group(1);
    assertThat(created.stdout()).contains("shown only this once");
    assertThat(created.err().toString()).contains("plain HTTP");
    String webhookId = created.stdout().substring(0, created.stdout().indexOf(' '));

    CompletableFuture<Run> listen = CompletableFuture.supplyAsync(() -> cli("listen", "--port", Integer.toString(port),
        "--secret", secret, "--count", "1", "--seconds", "30"));
    CompletableFuture<Run> watch = CompletableFuture.supplyAsync(() -> cli("watch", "--account", "cli", "--json", "--count", "2",
        "--seconds", "20"));
    await().atMost(Duration.ofSeconds(10)).until(() -> ext.server().server.watchers() == 1);
    Listening.awaitPort(port);
    Run published = cli("publish", "--type", "signal.buy", "--account", "cli",
        "--data", "{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"score\":0.87,\"market_type\":\"trending\",\"interval\":\"1h\"}");
    assertThat(published.stdout()).contains("1 deliveries");

    Run watched = watch.get();
    assertThat(watched.stdout().lines().toList()).hasSize(2)
        .anyMatch(l -> l.contains("\"status\":\"pending\"")).anyMatch(l -> l.contains("\"status\":\"delivered\""))
        .allMatch(l -> l.startsWith("{") && l.contains("resumeToken"));
    Run deliveries = cli("deliveries", "--webhook", webhookId);
    assertThat(deliveries.stdout()).contains("signal.buy  delivered  200");
    assertThat(cli("--output", "json", "list", "--account", "cli").stdout()).startsWith("{\"webhooks\":[{").contains(webhookId);
    assertThat(cli("event-types").stdout()).contains("order.filled");
    Run heard = listen.get();
    assertThat(heard.stdout()).contains("--> signal.buy  verified").contains("\"pair\":\"BTCUSDT\"");
  }

  @Test
  void errorsPrintTheStatusAndMessageAndExitNonZeroWithoutAStackTrace() {
    Run missing = cli("get", "--webhook", "wh_doesnotexist");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err().toString()).startsWith("error: NOT_FOUND: No webhook with id 'wh_doesnotexist' exists.")
        .doesNotContain("Exception").doesNotContain("\tat ");
    Run bad = cli("create", "--account", "cli", "--name", "x", "--url", "ftp://x", "--events", "signal.buy");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err().toString()).contains("INVALID_ARGUMENT").contains("url");
    Run usage = cli("create", "--account", "cli");
    assertThat(usage.exit()).isEqualTo(2);
    assertThat(usage.err().toString()).contains("Missing required options");
  }
}
