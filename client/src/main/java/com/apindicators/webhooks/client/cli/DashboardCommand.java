package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.client.WebhooksClient;
import com.apindicators.webhooks.client.dashboard.Dashboard;
import com.apindicators.webhooks.client.dashboard.DashboardScope;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dashboard}: serves the web dashboard on one local address until Ctrl-C. */
@Command(name = "dashboard", description = "Serve the web dashboard (Webhooks, deliveries, Live, Event types) until Ctrl-C.",
    mixinStandardHelpOptions = true)
final class DashboardCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default ${DEFAULT-VALUE}; 0 = any free one)")
  int port;
  @Option(names = "--bind", defaultValue = "127.0.0.1",
      description = "address to serve on (default ${DEFAULT-VALUE}: this machine only)")
  String bind;
  @Option(names = "--account", defaultValue = "",
      description = "the account to show (required with an account key; an admin key may pick any in the page)")
  String account;

  @Override
  public Integer call() throws Exception {
    WebhooksCli root = WebhooksCli.root(spec);
    if (port < 0 || port > 65535) {
      throw new WebhooksCli.UsageException("--port must be 0-65535, not " + port);
    }
    try (WebhooksClient client = root.client()) {
      DashboardScope scope = scope(client);
      try (Dashboard dashboard = new Dashboard(client, scope, bind, port).start()) {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
          dashboard.close();
          stopped.countDown();
        }, "dashboard-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        root.out.println("Dashboard for " + (scope.admin() ? "an admin key" : "account '" + scope.account() + "'")
            + " on http://" + bind + ":" + dashboard.port() + "/");
        root.out.println("Open this one-time link to sign in (Ctrl-C to stop): " + dashboard.signInUrl());
        root.out.flush();
        stopped.await();
      }
    }
    return 0;
  }

  /** An admin key may list API keys; an account key is refused, and must then say which account it is for. */
  private DashboardScope scope(WebhooksClient client) {
    try {
      client.listApiKeys();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.PERMISSION_DENIED) {
        throw e;
      }
      if (account.isBlank()) {
        throw new WebhooksCli.UsageException("this API key is scoped to one account: pass --account <its account id>");
      }
      client.getAccount(account); // PERMISSION_DENIED now, rather than on every page, when it is not the key's account
      return new DashboardScope(false, account);
    }
    return new DashboardScope(true, account);
  }
}
