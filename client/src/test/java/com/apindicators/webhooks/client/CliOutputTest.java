package com.apindicators.webhooks.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.client.CliTest.Run;
import com.apindicators.webhooks.client.cli.WebhooksCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The CLI's JSON output, exit codes, error lines and help, against a real server. */
class CliOutputTest {
  @RegisterExtension static final LiveServerExtension ext = new LiveServerExtension();
  static final LiveServer server = ext.server();

  static Run cli(String... args) {
    return CliTest.cli(server, args);
  }

  @Test
  void jsonHasEveryFieldWithDefaultsTheFlagWordsAndNoEscapesAndDeleteHonoursIt() {
    assertThat(cli("-o", "json", "plan", "set", "--account", "json", "--plan", "starter").stdout().strip()).isEqualTo(
        "{\"accountId\":\"json\",\"plan\":\"starter\",\"webhookLimit\":3,\"unlimited\":false,\"webhookCount\":0}");
    Run created = cli("--output", "json", "create", "--account", "json", "--name", "a=b <&> \"q\"",
        "--url", "http://127.0.0.1:9/hook?x=1&y=2", "--events", "signal.buy");
    assertThat(created.exit()).isZero();
    String line = created.stdout().strip();
    assertThat(line).startsWith("{\"webhook\":{\"webhookId\":\"wh_").contains("\"name\":\"a=b <&> \\\"q\\\"\"")
        .contains("\"url\":\"http://127.0.0.1:9/hook?x=1&y=2\"").contains("\"enabled\":true")
        .contains("\"retryPolicy\":").contains("\"filter\":").contains("\"signingSecret\":\"whsec_").doesNotContain("\\u");
    String id = line.substring(line.indexOf("wh_"), line.indexOf('"', line.indexOf("wh_")));

    Run deliveries = cli("--output", "json", "deliveries", "--webhook", id);
    assertThat(deliveries.exit()).isZero();
    assertThat(deliveries.stdout()).isEqualTo("{\"deliveries\":[]}\n");
    assertThat(cli("-o", "json", "delete", "--webhook", id).stdout().strip())
        .isEqualTo("{\"webhookId\":\"" + id + "\",\"deleted\":true}");
    assertThat(cli("-o", "json", "event-types").stdout().lines()).singleElement().asString()
        .startsWith("{\"eventTypes\":[{\"name\":\"signal.buy\",\"description\":").endsWith("}]}");
  }

  @Test
  void everyListIsOneJsonObjectAlsoWhenEmpty() {
    assertThat(cli("-o", "json", "list", "--account", "nobody").stdout()).isEqualTo("{\"webhooks\":[]}\n");
    assertThat(cli("-o", "json", "deliveries", "--account", "nobody").stdout()).isEqualTo("{\"deliveries\":[]}\n");
    assertThat(cli("-o", "json", "events", "list", "--account", "nobody").stdout()).isEqualTo("{\"events\":[]}\n");
    assertThat(cli("-o", "json", "key", "list").stdout().lines()).singleElement().asString()
        .startsWith("{\"apiKeys\":[{\"keyId\":\"whk_").endsWith("}]}");
    assertThat(cli("list", "--account", "nobody").stdout()).isEmpty();
  }

  @Test
  void usageErrorsExit2ServerErrors1AndUnknownWordsListTheAllowedOnes() {
    Run plan = cli("plan", "set", "--account", "x", "--plan", "gold");
    assertThat(plan.exit()).isEqualTo(2);
    assertThat(plan.err().toString()).contains("'gold' is not one of free, starter, pro, business");
    Run status = cli("deliveries", "--webhook", "wh_x", "--status", "ok");
    assertThat(status.exit()).isEqualTo(2);
    assertThat(status.err().toString()).contains("'ok' is not one of pending, delivered, failed");
    Run output = cli("--output", "yaml", "list", "--account", "x");
    assertThat(output.exit()).isEqualTo(2);
    assertThat(output.err().toString()).contains("text, json");
    Run data = cli("publish", "--type", "signal.buy", "--data", "[1,2");
    assertThat(data.exit()).isEqualTo(2);
    assertThat(data.err().toString()).startsWith("error: --data is not a JSON object");
    Run duration = cli("update", "--webhook", "wh_x", "--retry-initial-backoff", "soon");
    assertThat(duration.exit()).isEqualTo(2);
    assertThat(duration.err().toString()).contains("'soon' is not a duration");
    Run disableAfter = cli("update", "--webhook", "wh_x", "--disable-after", "-5");
    assertThat(disableAfter.exit()).isEqualTo(2);
    assertThat(disableAfter.err().toString()).contains("'-5' is not a duration").contains("nor a count of failed deliveries");
    Run notFound = cli("delete", "--webhook", "wh_doesnotexist");
    assertThat(notFound.exit()).isEqualTo(1);
    assertThat(notFound.err().toString()).startsWith("error: NOT_FOUND: ");
    for (Run r : List.of(plan, status, output, data, duration, disableAfter, notFound)) {
      assertThat(r.err().toString()).doesNotContain("Exception").doesNotContain("\tat ");
    }
  }

  @Test
  void anUnreachableOrUnknownServerIsOneClearLineAndExit1() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    PrintStream stderr = System.err;
    ByteArrayOutputStream logged = new ByteArrayOutputStream();
    System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
    List<Run> runs = new ArrayList<>();
    try {
      for (String target : List.of("127.0.0.1:" + closed, "no-such-host.invalid:50051")) {
        for (String[] cmd : List.of(new String[] {"list", "--account", "x"}, new String[] {"watch", "--seconds", "20"})) {
          List<String> args = new ArrayList<>(List.of("--server", target, "--api-key", "whk_x"));
          args.addAll(List.of(cmd));
          CommandLine cl = WebhooksCli.commandLine();
          java.io.StringWriter out = new java.io.StringWriter();
          java.io.StringWriter err = new java.io.StringWriter();
          cl.setOut(new java.io.PrintWriter(out, true));
          cl.setErr(new java.io.PrintWriter(err, true));
          runs.add(new Run(cl.execute(args.toArray(String[]::new)), out, err));
        }
      }
    } finally {
      System.setErr(stderr);
    }
    for (Run r : runs) {
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err().toString()).startsWith("error: UNAVAILABLE: cannot reach the server at ")
          .contains("Is it running?").doesNotContain("Exception").doesNotContain("\tat ");
    }
    assertThat(runs.get(0).err().toString()).contains("connection refused");
    assertThat(logged.toString(StandardCharsets.UTF_8)).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void everyOptionIsDescribedAndCommandHelpListsOnlyItsOwnOptions() {
    CommandLine root = WebhooksCli.commandLine();
    List<CommandSpec> all = new ArrayList<>();
    collect(root, all);
    for (CommandSpec c : all) {
      for (OptionSpec o : c.options()) {
        assertThat(String.join("", o.description())).as(c.qualifiedName() + " " + o.longestName()).isNotBlank();
      }
    }
    String listenHelp = root.getSubcommands().get("listen").getUsageMessage();
    assertThat(listenHelp).contains("--forward-to").doesNotContain("--server=").doesNotContain("--tls-ca=")
        .doesNotContain("--output=");
    assertThat(root.getUsageMessage()).contains("--server=").contains("--output=");
  }

  @Test
  void aRunBuildsOnlyTheCommandItNamesWithTheSameHelpAndEveryCommandWhenItNamesNone() {
    CommandLine full = WebhooksCli.commandLine();
    assertThat(full.getSubcommands()).hasSizeGreaterThan(10);
    for (String name : full.getSubcommands().keySet()) {
      CommandLine lazy = WebhooksCli.commandLine("--server", "h:1", "-o", "json", name, "--help");
      assertThat(lazy.getSubcommands()).containsOnlyKeys(name);
      assertThat(lazy.getSubcommands().get(name).getUsageMessage()).isEqualTo(full.getSubcommands().get(name).getUsageMessage());
    }
    // A global option's value is not taken for the command, even when it is a command's name.
    assertThat(WebhooksCli.commandLine("--api-key", "delete", "--server=h:1", "list", "--account", "a").getSubcommands())
        .containsOnlyKeys("list");
    for (String[] none : List.of(new String[] {}, new String[] {"--help"}, new String[] {"--server", "h:1", "nope"},
        new String[] {"--api-key"})) {
      assertThat(WebhooksCli.commandLine(none).getSubcommands().keySet()).containsExactlyElementsOf(full.getSubcommands().keySet());
    }
    Run unknown = cli("nope");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err().toString()).contains("nope").contains("webhooks --help");
  }

  private static void collect(CommandLine cl, List<CommandSpec> all) {
    all.add(cl.getCommandSpec());
    cl.getSubcommands().values().forEach(sub -> collect(sub, all));
  }
}
