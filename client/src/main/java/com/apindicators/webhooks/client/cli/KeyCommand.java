package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.v1.CreateApiKeyResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code key create|list|revoke}: API keys (admin key). */
@Command(name = "key", description = "Manage API keys (admin key).", mixinStandardHelpOptions = true,
    subcommands = {KeyCommand.Create.class, KeyCommand.ListCmd.class, KeyCommand.Revoke.class})
final class KeyCommand {
  @Command(name = "create", description = "Create a key; --account scopes it to one account.", mixinStandardHelpOptions = true)
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--account", defaultValue = "", description = "the one account the key may act for (default: an admin key)")
    String account;
    @Option(names = "--name", required = true, description = "a label to tell keys apart") String name;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      return root.with(c -> {
        CreateApiKeyResponse r = c.createApiKey(account, name);
        root.print(r, r.getKeyId() + "\napi key: " + r.getApiKey() + "\nCopy the key now: it is shown only this once.");
      });
    }
  }

  @Command(name = "list", description = "List keys.", mixinStandardHelpOptions = true)
  static final class ListCmd implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      return root.with(c -> {
        root.printAll("apiKeys", c.listApiKeys(),
            k -> k.getKeyId() + "  " + (k.getAccountId().isEmpty() ? "(admin)" : k.getAccountId()) + "  "
                + Shown.line(k.getName()));
      });
    }
  }

  @Command(name = "revoke", description = "Revoke a key at once.", mixinStandardHelpOptions = true)
  static final class Revoke implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--key", required = true, description = "the key id (whk_...)") String key;

    @Override
    public Integer call() throws Exception {
      WebhooksCli root = WebhooksCli.root(spec);
      return root.with(c -> {
        c.revokeApiKey(key);
        root.print(Json.fields("keyId", key, "revoked", true), "revoked " + key);
      });
    }
  }
}
