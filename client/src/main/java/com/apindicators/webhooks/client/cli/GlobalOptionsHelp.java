package com.apindicators.webhooks.client.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Shows the global options once, in {@code webhooks --help}; each command's help lists only its own options. */
final class GlobalOptionsHelp {
  private GlobalOptionsHelp() {}

  static void install(CommandLine root) {
    for (CommandLine sub : root.getSubcommands().values()) {
      install(sub);
      sub.getCommandSpec().usageMessage().abbreviateSynopsis(true)
          .footer("Global options (--server, --api-key, --tls-ca, --tls-cert, --tls-key, --output): see 'webhooks --help'.");
      sub.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> {
        List<OptionSpec> own = help.commandSpec().options().stream().filter(o -> !o.inherited() && !o.hidden()).toList();
        return help.optionListExcludingGroups(own);
      });
    }
  }
}
