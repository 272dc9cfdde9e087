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
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** The {@code webhooks} command line: manage webhooks, publish events, read and watch deliveries, receive locally. */
@Command(name = "webhooks", mixinStandardHelpOptions = true, version = "webhooks 0.1.0",
    description = "Command-line tool for APIndicators Webhooks.",
    subcommands = {PlanCommand.class, WebhookCommands.Create.class, WebhookCommands.ListCmd.class, WebhookCommands.Get.class,
        WebhookCommands.Update.class, WebhookCommands.Delete.class, WebhookCommands.RotateSecret.class,
        WebhookCommands.EventTypes.class, PublishCommand.class, DeliveryCommands.ListCmd.class, DeliveryCommands.Get.class,
        DeliveryCommands.Redeliver.class, EventCommands.class, WatchCommand.class, ListenCommand.class, TriggerCommand.class, KeyCommand.class,
        BenchCommand.class, DashboardCommand.class})
public final class WebhooksCli {
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
      description = "text or json (one complete JSON object per line).")
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
    System.exit(commandLine().execute(args));
  }

  /** The command line with error handling: one "error: ..." line and an exit code, never a stack trace. */
  public static CommandLine commandLine() {
    GRPC_LOG.setLevel(Level.OFF); // gRPC logs failures (an unknown host...) with stack traces; the error line says it all
    CommandLine cl = new CommandLine(new WebhooksCli());
    cl.setExecutionExceptionHandler((e, cmd, parse) -> {
      if (e instanceof CommandLine.ParameterException pe) {
        cmd.getErr().println("error: " + pe.getMessage());
        return USAGE_ERROR;
      }
      if (e instanceof StatusRuntimeException sre) {
        cmd.getErr().println("error: " + Failures.describe(sre.getStatus(), ((WebhooksCli) cl.getCommand()).server));
        return SERVER_ERROR;
      }
      if (e instanceof UsageException) {
        cmd.getErr().println("error: " + e.getMessage());
        return USAGE_ERROR;
      }
      cmd.getErr().println("error: " + Failures.message(e));
      return SERVER_ERROR;
    });
    cl.setParameterExceptionHandler((e, args) -> {
      PrintWriter err = e.getCommandLine().getErr();
      err.println("error: " + e.getMessage());
      err.println("Run '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
      return USAGE_ERROR;
    });
    GlobalOptionsHelp.install(cl);
    return cl;
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

  /** Prints a result that is not a message (delete, revoke, listen's lines) as one JSON object, or as the given text. */
  void print(Map<String, ?> object, String text) {
    out.println(json() ? Json.of(object) : text);
    out.flush();
  }
}
