package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.v1.ListWebhooksRequest;
import com.apindicators.webhooks.v1.ListWebhooksResponse;
import com.apindicators.webhooks.v1.Webhook;
import com.apindicators.webhooks.v1.WebhookServiceGrpc;
import com.google.protobuf.Timestamp;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * The build's training run for the CLI's class-data-sharing archive ({@code client/target/webhooks.jsa}): every
 * command's help, then {@code list}, as text and as JSON, against a stand-in server on loopback, so the archive holds
 * the classes a successful command loads (a run against a closed port misses the response path). Not part of the CLI.
 */
public final class CdsTraining {
  private CdsTraining() {}

  /** Runs the commands; exits 0 when they succeeded. */
  public static void main(String[] args) throws Exception {
    WebhooksCli.lightNetty(); // as the CLI runs, so the archive holds the classes it loads
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            InsecureServerCredentials.create())
        .addService(new WebhookServiceGrpc.WebhookServiceImplBase() {
          @Override
          public void listWebhooks(ListWebhooksRequest r, StreamObserver<ListWebhooksResponse> observer) {
            observer.onNext(ListWebhooksResponse.newBuilder().addWebhooks(Webhook.newBuilder().setWebhookId("wh_training")
                .setAccountId(r.getAccountId()).setName("training").setUrl("https://example.com/hook").addEvents("signal.buy")
                .setEnabled(true).setSecretHint("abcd").setCreateTime(Timestamp.newBuilder().setSeconds(1775226600))).build());
            observer.onCompleted();
          }
        }).build().start();
    int failed = 0;
    // Every command's help too, so that all commands' classes are in the archive, not only list's.
    for (String name : WebhooksCli.COMMANDS.keySet()) {
      CommandLine cl = WebhooksCli.commandLine(name, "--help");
      cl.setOut(new PrintWriter(new StringWriter()));
      failed += cl.execute(name, "--help");
    }
    try {
      for (String output : new String[] {"text", "json"}) {
        String[] command = {"--server", "127.0.0.1:" + server.getPort(), "--api-key", "whk_training", "--output", output,
            "list", "--account", "training"};
        CommandLine cl = WebhooksCli.commandLine(command);
        cl.setOut(new PrintWriter(new StringWriter()));
        failed += cl.execute(command);
      }
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    System.exit(failed == 0 ? 0 : 1);
  }
}
