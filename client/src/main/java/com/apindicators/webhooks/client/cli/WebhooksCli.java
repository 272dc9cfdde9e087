package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.client.WebhooksClient;
import com.google.protobuf.MessageOrBuilder;
import io.grpc.StatusRuntimeException;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/** The {@code webhooks} command line: manage webhooks, publish events, read and watch deliveries, receive locally. */
@Command(name = "webhooks", mixinStandardHelpOptions = true, version = "webhooks 0.1.0",
    description = "Command-line tool for APIndicators Webhooks.")
public final class WebhooksCli {
  /**
   * Every command by the name it is called with, in the order {@code --help} lists them. Added by hand rather than
   * with {@code @Command(subcommands = ...)}, so that a run builds only the command it runs: picocli reads every
   * command's annotations by reflection, which took about a third of a command's start-up.
   */
  static final Map<String, Class<?>> COMMANDS = commands();

  private static Map<String, Class<?>> commands() {
    Map<String, Class<?>> m = new LinkedHashMap<>();
    m.put("plan", PlanCommand.class);
    m.put("create", WebhookCommands.Create.class);
    m.put("list", WebhookCommands.ListCmd.class);
    m.put("get", WebhookCommands.Get.class);
    m.put("update", WebhookCommands.Update.class);
    m.put("delete", WebhookCommands.Delete.class);
    m.put("rotate-secret", WebhookCommands.RotateSecret.class);
    m.put("event-types", WebhookCommands.EventTypes.class);
    m.put("publish", PublishCommand.class);
    m.put("deliveries", DeliveryCommands.ListCmd.class);
    m.put("delivery", DeliveryCommands.Get.class);
    m.put("redeliver", DeliveryCommands.Redeliver.class);
    m.put("events", EventCommands.class);
    m.put("watch", WatchCommand.class);
    m.put("listen", ListenCommand.class);
    m.put("trigger", TriggerCommand.class);
    m.put("key", KeyCommand.class);
    m.put("bench", BenchCommand.class);
    m.put("dashboard", DashboardCommand.class);
    return m;
  }

  @Option(names = "--server", defaultValue = "${env:WEBHOOKS_SERVER:-localhost:50051}", scope = CommandLine.ScopeType.INHERIT,
      description = "Server host:port (env WEBHOOKS_SERVER, default ${DEFAULT-VALUE}).")
  String server;

  @Option(names = "--api-key", defaultValue = "${env:WEBHOOKS_API_KEY}", scope = CommandLine.ScopeType.INHERIT,
      description = "API key (env WEBHOOKS_API_KEY; default: the contents of ./data/admin.key).")
  String apiKey;

  @Option(names = "--tls-ca", scope = CommandLine.ScopeType.INHERIT, description = "PEM CA to trust: connect with TLS.")
  File tlsCa;

  @Option(names = "--tls-cert", scope = CommandLine.ScopeType.INHERIT, description = "PEM client certificate (mutual TLS).")
  File tlsCert;

  @Option(names = "--tls-key", scope = CommandLine.ScopeType.INHERIT, description = "PEM client key (mutual TLS).")
  File tlsKey;

  @Option(names = {"-o", "--output"}, defaultValue = "text", scope = CommandLine.ScopeType.INHERIT,
      description = "text or json (one complete JSON object; a list is one object, watch and listen print one per line).")
  Output output;

  /** The output formats. */
  enum Output { text, json }

  PrintWriter out;
  PrintWriter err;

  /** Exit codes: success, the server answered with an error or could not be reached, a usage error. */
  static final int OK = 0;
  static final int SERVER_ERROR = 1;
  static final int USAGE_ERROR = 2;
  private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

  public static void main(String[] args) {
    lightNetty();
    System.exit(commandLine(args).execute(args));
  }

  /**
   * Netty settings for a short-lived process, unless given with -D: no Java Flight Recorder events (registering them
   * cost about 0.1 s of CPU per command) and the JDK's NIO instead of the native epoll transport (unpacked from the
   * jar on every start). Before any Netty class loads.
   */
  static void lightNetty() {
    for (String p : new String[] {"io.grpc.netty.shaded.io.netty.jfr.enabled", "io.grpc.netty.shaded.io.netty.transport.noNative"}) {
      if (System.getProperty(p) == null) {
        System.setProperty(p, p.endsWith("noNative") ? "true" : "false");
      }
    }
  }

  /** The command line with every command: one "error: ..." line and an exit code, never a stack trace. */
  public static CommandLine commandLine() {
    return commandLine(new String[0]);
  }

  /**
   * The command line to execute these arguments with: only the command they name, or every command when they name
   * none (for {@code --help}, {@code --version} and usage errors, which list them all). Parses the same either way.
   */
  public static CommandLine commandLine(String... args) {
    GRPC_LOG.setLevel(Level.OFF); // gRPC logs failures (an unknown host...) with stack traces; the error line says it all
    CommandLine cl = new CommandLine(new WebhooksCli());
    Class<?> only = COMMANDS.get(commandName(cl.getCommandSpec(), args));
    // Before the handlers are set: picocli hands them only to the subcommands present at that moment.
    COMMANDS.forEach((name, command) -> {
      if (only == null || command == only) {
        cl.addSubcommand(name, command);
      }
    });
    cl.setExecutionExceptionHandler((e, cmd, parse) -> {
      if (e instanceof CommandLine.ParameterException pe) {
        cmd.getErr().println("error: " + pe.getMessage());
        return USAGE_ERROR;
      }
      if (e instanceof StatusRuntimeException sre) {
        // The server's message may quote what a request carried.
        cmd.getErr().println("error: " + Shown.text(Failures.describe(sre.getStatus(),
            ((WebhooksCli) cl.getCommand()).server)));
        return SERVER_ERROR;
      }
      if (e instanceof UsageException) {
        cmd.getErr().println("error: " + e.getMessage());
        return USAGE_ERROR;
      }
      cmd.getErr().println("error: " + Failures.message(e));
      return SERVER_ERROR;
    });
    cl.setParameterExceptionHandler((e, given) -> {
      PrintWriter err = e.getCommandLine().getErr();
      err.println("error: " + e.getMessage());
      err.println("Run '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
      return USAGE_ERROR;
    });
    GlobalOptionsHelp.install(cl);
    CommandLine.IExecutionStrategy run = cl.getExecutionStrategy();
    cl.setExecutionStrategy(parsed -> {
      requireDecoded(parsed);
      return run.execute(parsed);
    });
    return cl;
  }

  /**
   * Refuses arguments the JVM could not decode: it reads them in the locale's charset, and in a C or POSIX locale
   * (LANG unset: containers, cron) every byte beyond ASCII became U+FFFD, so "Bot für" was stored as "Bot f??r".
   */
  private static void requireDecoded(CommandLine.ParseResult parsed) {
    for (String arg : parsed.originalArgs()) {
      if (arg.indexOf('\uFFFD') >= 0) {
        throw new CommandLine.ParameterException(parsed.commandSpec().commandLine(), "an argument has characters"
            + " that could not be read in this terminal's locale (" + System.getProperty("sun.jnu.encoding")
            + "): nothing was sent; run with a UTF-8 locale, e.g. LANG=C.UTF-8");
      }
    }
  }

  /** The first argument that is neither a global option nor its value: the command's name, or null. */
  static String commandName(CommandSpec root, String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("-") || a.equals("--")) {
        return a.equals("--") ? null : a;
      }
      OptionSpec option = root.findOption(a.contains("=") ? a.substring(0, a.indexOf('=')) : a);
      if (option != null && !a.contains("=") && option.arity().max() > 0) {
        i++; // its value, which may look like a command's name
      }
    }
    return null;
  }

  /** Refuses a --limit below one (the server would read 0 as its default page, and a negative one as its own error). */
  static void requireLimit(int limit) {
    if (limit < 1) {
      throw new UsageException("--limit must be at least 1");
    }
  }

  /** A mistake in how the command was called (exit 2), found after parsing. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  /** The root options of whatever subcommand runs. */
  static WebhooksCli root(CommandSpec spec) {
    WebhooksCli root = (WebhooksCli) spec.root().userObject();
    root.out = spec.commandLine().getOut();
    root.err = spec.commandLine().getErr();
    return root;
  }

  WebhooksClient client() throws IOException {
    return WebhooksClient.connect(server, key(), tlsCa, tlsCert, tlsKey);
  }

  /** The API key: the flag or environment, else ./data/admin.key. */
  String key() throws IOException {
    String key = apiKey;
    if (key == null || key.isBlank()) {
      Path file = Path.of("data", "admin.key");
      if (!Files.exists(file)) {
        throw new UsageException("no API key: pass --api-key, set WEBHOOKS_API_KEY, or run where ./data/admin.key is");
      }
      key = Files.readString(file, StandardCharsets.UTF_8).strip();
    }
    return key;
  }

  /** What a command does with a connected client. */
  interface Action {
    void run(WebhooksClient client) throws Exception;
  }

  /** Connects, runs the action, disconnects; 0 when it succeeded (failures go to the exception handler). */
  int with(Action action) throws Exception {
    try (WebhooksClient c = client()) {
      action.run(c);
    }
    return 0;
  }

  boolean json() {
    return output == Output.json;
  }

  /** Prints a message as one JSON line, or as the given text. */
  void print(MessageOrBuilder message, String text) {
    out.println(json() ? Json.of(message) : text);
    out.flush();
  }

  /**
   * Prints a list: as JSON one object, {@code {"<name>":[...]}} (so an empty list is {@code {"<name>":[]}}, not
   * nothing), as text one line per item.
   */
  <T extends MessageOrBuilder> void printAll(String name, List<T> items, Function<T, String> text) {
    if (json()) {
      out.println(Json.of(Json.fields(name, items)));
    } else {
      items.forEach(item -> out.println(text.apply(item)));
    }
    out.flush();
  }

  /** Prints a result that is not a message (delete, revoke, listen's lines) as one JSON object, or as the given text. */
  void print(Map<String, ?> object, String text) {
    out.println(json() ? Json.of(object) : text);
    out.flush();
  }
}
