package com.apindicators.webhooks.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.security.ApiKeys;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the CLI prints of text others wrote: a receiver's body and errors cannot drive the terminal of whoever looks,
 * JSON output is the same bytes in any charset, and lists are whole.
 */
class CliHostileOutputTest {
  @RegisterExtension static final LiveServerExtension ext = new LiveServerExtension();
  /** Clears the screen, sets the window title, and reverses the text after it. */
  private static final String HOSTILE = "\u001b[2J\u001b]0;pwned\u0007\r\u202eevil\u0085\nwh_forged  fake row";

  private static CliTest.Run cli(String... args) {
    return CliTest.cli(ext.server(), args);
  }

  @Test
  void aReceiversBodyCannotDriveTheTerminalOfWhoeverListsItsDeliveries() throws Exception {
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", ex -> {
      byte[] body = HOSTILE.getBytes(StandardCharsets.UTF_8);
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(500, body.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(body);
      }
    });
    receiver.start();
    try {
      assertThat(cli("plan", "set", "--account", "hostile", "--plan", "starter").exit()).isZero();
      CliTest.Run created = cli("create", "--account", "hostile", "--name", "h", "--url",
          "http://127.0.0.1:" + receiver.getAddress().getPort() + "/", "--events", "signal.buy");
      Matcher id = Pattern.compile("(wh_\\S+)").matcher(created.stdout());
      assertThat(id.find()).as(created.stdout()).isTrue();
      assertThat(cli("publish", "--type", "signal.buy", "--account", "hostile").exit()).isZero();
      await().atMost(Duration.ofSeconds(10)).until(() -> cli("deliveries", "--webhook", id.group(1)).stdout()
          .contains("failed"));
      String listed = cli("deliveries", "--webhook", id.group(1)).stdout();
      Matcher delivery = Pattern.compile("(dlv_\\S+)").matcher(listed);
      assertThat(delivery.find()).isTrue();
      String shown = cli("delivery", "--id", delivery.group(1), "--attempts").stdout();
      assertThat(shown).contains("\\u001b[2J\\u001b]0;pwned\\u0007\\u000d\\u202eevil\\u0085");
      assertThat(listed).as("one line per delivery").hasLineCount(1);
      // On an attempt's line the body's newline is escaped too: it cannot forge a line of its own.
      assertThat(shown).contains("evil\\u0085\\u000awh_forged  fake row");
      for (String out : new String[] {listed, shown}) {
        assertThat(out.chars().filter(c -> c == 0x1b || c == 0x07 || c == '\r' || c == 0x202e || c == 0x85))
            .as(out).isEmpty();
      }
      // JSON keeps the text exactly, as escapes.
      String json = cli("-o", "json", "delivery", "--id", delivery.group(1)).stdout();
      assertThat(json.chars().allMatch(c -> c == '\n' || (c >= 0x20 && c <= 0x7e))).as(json).isTrue();
      assertThat(JsonParser.parseString(json).getAsJsonObject().get("responseBody").getAsString()).isEqualTo(HOSTILE);
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void jsonOutputIsAsciiWhateverTheCharsetAndReadsBackTheSame() {
    String name = "Bot für Ω ✓";
    assertThat(cli("plan", "set", "--account", "names", "--plan", "starter").exit()).isZero();
    CliTest.Run created = cli("-o", "json", "create", "--account", "names", "--name", name, "--url",
        "http://127.0.0.1:9/hook", "--events", "signal.buy");
    assertThat(created.exit()).as(created.err().toString()).isZero();
    String out = created.stdout();
    assertThat(out.chars().allMatch(c -> c == '\n' || (c >= 0x20 && c <= 0x7e))).as(out).isTrue();
    assertThat(out).contains("Bot f\\u00fcr \\u03a9 \\u2713");
    assertThat(JsonParser.parseString(out).getAsJsonObject().getAsJsonObject("webhook").get("name").getAsString())
        .isEqualTo(name);
  }

  @Test
  void aLimitBelowOneIsAUsageErrorAndKeyListShowsEveryKey() {
    for (String command : new String[] {"deliveries", "events"}) {
      CliTest.Run run = command.equals("events") ? cli("events", "list", "--account", "a", "--limit", "0")
          : cli(command, "--account", "a", "--limit", "0");
      assertThat(run.exit()).as(run.err().toString()).isEqualTo(2);
      assertThat(run.err().toString()).contains("--limit must be at least 1");
    }
    assertThat(cli("plan", "set", "--account", "many", "--plan", "starter").exit()).isZero();
    ApiKeys keys = new ApiKeys(ext.server().db.jdbi());
    for (int i = 0; i < 510; i++) {
      keys.create("many", "key " + i);
    }
    String listed = cli("key", "list").stdout();
    assertThat(listed).contains("key 0").contains("key 509");
  }

  @Test
  void aDurationTooLongForTheClockIsAUsageErrorNotAShortTime() {
    // 213503982335 days of milliseconds wrap around a long to about 9.6 hours, which the server took.
    for (String days : new String[] {"213503982335d", "99999999999999999999d"}) {
      CliTest.Run run = cli("update", "--webhook", "wh_any", "--disable-after", days);
      assertThat(run.exit()).as(run.err().toString()).isEqualTo(2);
      assertThat(run.err().toString()).contains("longer than a duration can be");
    }
  }

  @Test
  void anArgumentTheLocaleCouldNotDecodeIsRefusedNotStored() {
    // What the JVM makes of "Bot für" given in a C locale.
    CliTest.Run run = cli("create", "--account", "names", "--name", "Bot f\uFFFD\uFFFDr", "--url",
        "http://127.0.0.1:9/hook", "--events", "signal.buy");
    assertThat(run.exit()).as(run.err().toString()).isEqualTo(2);
    assertThat(run.err().toString()).contains("could not be read in this terminal's locale").contains("LANG=C.UTF-8");
    assertThat(cli("list", "--account", "names").stdout()).doesNotContain("Bot f");
  }
}
