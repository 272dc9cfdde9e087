package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.client.WebhooksClient;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        DeliveryCommands.Redeliver.class, WatchCommand.class, ListenCommand.class, KeyCommand.class})
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

  @Option(names = "--output", defaultValue = "text", scope = CommandLine.ScopeType.INHERIT,
      description = "text or json (one JSON object per line).")
  String output;

  PrintWriter out;
  PrintWriter err;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with error handling: gRPC failures print their status and message, never a stack trace. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new WebhooksCli());
    cl.setExecutionExceptionHandler((e, cmd, parse) -> {
      if (e instanceof StatusRuntimeException sre) {
        Status s = sre.getStatus();
        cmd.getErr().println("error: " + s.getCode() + ": " + (s.getDescription() != null ? s.getDescription()
            : s.getCause() != null ? s.getCause().getMessage() : ""));
        return 2;
      }
      cmd.getErr().println("error: " + e.getMessage());
      return 1;
    });
    return cl;
  }

  /** The root options of whatever subcommand runs. */
  static WebhooksCli root(CommandSpec spec) {
    WebhooksCli root = (WebhooksCli) spec.root().userObject();
    root.out = spec.commandLine().getOut();
    root.err = spec.commandLine().getErr();
    return root;
  }

  WebhooksClient client() throws IOException {
    String key = apiKey;
    if (key == null || key.isBlank()) {
      Path file = Path.of("data", "admin.key");
      if (!Files.exists(file)) {
        throw new IllegalArgumentException("no API key: pass --api-key, set WEBHOOKS_API_KEY, or run where ./data/admin.key is");
      }
      key = Files.readString(file, StandardCharsets.UTF_8).strip();
    }
    return WebhooksClient.connect(server, key, tlsCa, tlsCert, tlsKey);
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
    return "json".equalsIgnoreCase(output);
  }

  /** Prints a message as one JSON line, or as the given text. */
  void print(MessageOrBuilder message, String text) {
    if (json()) {
      out.println(toJson(message));
    } else {
      out.println(text);
    }
    out.flush();
  }

  static String toJson(MessageOrBuilder message) {
    try {
      return JsonFormat.printer().omittingInsignificantWhitespace().print(message);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
