package com.apindicators.webhooks.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The per-tenant limit flags: a limit below one is refused before anything starts, and --help lists the default. */
class LimitFlagsTest {
  private static String run(int expectedCode, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream originalErr = System.err;
    PrintStream originalOut = System.out;
    int code;
    System.setErr(new PrintStream(out, true));
    System.setOut(new PrintStream(out, true));
    try {
      code = new CommandLine(new Main()).execute(args);
    } finally {
      System.setErr(originalErr);
      System.setOut(originalOut);
    }
    assertThat(code).as(out.toString()).isEqualTo(expectedCode);
    return out.toString();
  }

  @Test
  void aCallsPerAccountLimitBelowOneIsRefusedUnderEitherName() {
    for (String name : new String[] {"--max-calls-per-account", "--max-calls-per-key"}) {
      assertThat(run(2, name, "0")).contains("--max-calls-per-account (--max-calls-per-key) must be positive");
    }
  }

  @Test
  void helpNamesTheCallsPerAccountFlagItsOlderNameAndItsDefault() {
    assertThat(run(0, "--help")).contains("--max-calls-per-account").contains("--max-calls-per-key")
        .contains("default " + Limits.DEFAULT_CALLS_PER_ACCOUNT + ")");
  }

  @Test
  void aLeaseOutsideOneSecondToADayIsRefused() {
    // Beyond a day, a crashed process's deliveries would wait that long (2^31 s: decades) before another takes them.
    for (String seconds : new String[] {"0", "86401", "2147483647"}) {
      assertThat(run(2, "--lease-seconds", seconds)).contains("--lease-seconds must be 1-86400");
    }
  }
}
