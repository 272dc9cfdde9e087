package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.v1.Account;
import com.apindicators.webhooks.v1.Plan;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code plan set} and {@code plan get}. */
@Command(name = "plan", description = "Read or set an account's plan.", mixinStandardHelpOptions = true,
    subcommands = {PlanCommand.Set.class, PlanCommand.Get.class})
final class PlanCommand {
  static String describe(Account a) {
    return a.getAccountId() + "  plan " + EnumWords.word(a.getPlan().getValueDescriptor()) + "  webhooks "
        + a.getWebhookCount() + "/" + (a.getUnlimited() ? "unlimited" : Integer.toString(a.getWebhookLimit()));
  }

  @Command(name = "set", description = "Set an account's plan (admin key).", mixinStandardHelpOptions = true)
  static final class Set implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--account", required = true, description = "the account") String account;
    @Option(names = "--plan", required = true, description = "free, starter, pro or business") String plan;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      Plan p = Plan.valueOf(EnumWords.parse(spec, Plan.getDescriptor(), "--plan", plan));
      return root.with(c -> {
        Account a = c.setPlan(account, p);
        root.print(a, describe(a));
      });
    }
  }

  @Command(name = "get", description = "Show an account's plan and webhook count.", mixinStandardHelpOptions = true)
  static final class Get implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--account", required = true, description = "the account") String account;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      return root.with(c -> {
        Account a = c.getAccount(account);
        root.print(a, describe(a));
      });
    }
  }
}
