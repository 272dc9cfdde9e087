package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.v1.DisablePolicy;
import com.apindicators.webhooks.v1.RetryPolicy;
import com.apindicators.webhooks.v1.WebhookFilter;
import com.google.protobuf.util.Durations;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** A webhook's retry policy, event filter and disable policy as flags, shared by create and update. */
final class PolicyOptions {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern COUNT = Pattern.compile("\\d{1,9}");

  @Option(names = "--retry-max-attempts", description = "attempts per delivery, 1-10") Integer maxAttempts;
  @Option(names = "--retry-initial-backoff", description = "wait before the first retry, e.g. 500ms, 30s, 5m, 1h")
  String initialBackoff;
  @Option(names = "--retry-max-backoff", description = "longest wait between retries, e.g. 1h") String maxBackoff;
  @Option(names = "--filter-pairs", split = ",", description = "only events for these pairs, e.g. BTCUSDT,ETHUSDT (\"\" clears)")
  List<String> pairs;
  @Option(names = "--filter-intervals", split = ",", description = "only events for these intervals, e.g. 1h,4h (\"\" clears)")
  List<String> intervals;
  @Option(names = "--filter-min-score", description = "only events with a score at least this, 0-1 (0 clears)") Double minScore;
  @Option(names = "--disable-after", description = "disable the webhook automatically after this many failed deliveries"
      + " in a row (e.g. 10) or after its deliveries failed for this long (e.g. 5d, 12h); never (the default) clears")
  String disableAfter;

  /** Usage errors in the flags, found before anything is sent. */
  void check() {
    retry(RetryPolicy.getDefaultInstance());
    disablePolicy();
  }

  boolean disableGiven() {
    return disableAfter != null;
  }

  /** The disable policy the flag names; the empty policy (never) for "never". */
  DisablePolicy disablePolicy() {
    if (disableAfter == null || disableAfter.strip().equalsIgnoreCase("never")) {
      return DisablePolicy.getDefaultInstance();
    }
    String text = disableAfter.strip();
    if (COUNT.matcher(text).matches()) {
      return DisablePolicy.newBuilder().setAfterConsecutiveFailures(Integer.parseInt(text)).build();
    }
    return DisablePolicy.newBuilder().setAfterFailingFor(Durations.fromMillis(millis("--disable-after", text))).build();
  }

  boolean retryGiven() {
    return maxAttempts != null || initialBackoff != null || maxBackoff != null;
  }

  boolean filterGiven() {
    return pairs != null || intervals != null || minScore != null;
  }

  /** The retry policy: the current one with the given flags applied (the server replaces it whole). */
  RetryPolicy retry(RetryPolicy current) {
    RetryPolicy.Builder r = current.toBuilder();
    if (maxAttempts != null) {
      r.setMaxAttempts(maxAttempts);
    }
    if (initialBackoff != null) {
      r.setInitialBackoff(Durations.fromMillis(millis("--retry-initial-backoff", initialBackoff)));
    }
    if (maxBackoff != null) {
      r.setMaxBackoff(Durations.fromMillis(millis("--retry-max-backoff", maxBackoff)));
    }
    return r.build();
  }

  /** The filter: the current one with the given flags applied (the server replaces it whole). */
  WebhookFilter filter(WebhookFilter current) {
    WebhookFilter.Builder f = current.toBuilder();
    if (pairs != null) {
      f.clearPairs().addAllPairs(pairs.stream().filter(p -> !p.isBlank()).toList());
    }
    if (intervals != null) {
      f.clearIntervals().addAllIntervals(intervals.stream().filter(p -> !p.isBlank()).toList());
    }
    if (minScore != null) {
      f.setMinScore(minScore);
    }
    return f.build();
  }

  static long millis(String option, String text) {
    Matcher m = SIMPLE.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (m.matches()) {
      // Checked: a count of days too big for a long of milliseconds wrapped around, and was sent as a short time.
      try {
        return Math.multiplyExact(Long.parseLong(m.group(1)), switch (m.group(2)) {
          case "ms" -> 1L;
          case "s" -> 1000L;
          case "m" -> 60_000L;
          case "h" -> 3_600_000L;
          default -> 86_400_000L;
        });
      } catch (ArithmeticException | NumberFormatException e) {
        throw tooLong(option, text);
      }
    }
    try {
      return Duration.parse(text.strip()).toMillis();
    } catch (ArithmeticException e) {
      throw tooLong(option, text);
    } catch (DateTimeParseException e) {
      throw new WebhooksCli.UsageException(option + ": '" + text + "' is not a duration such as 500ms, 30s, 5m, 1h, 5d or PT30S"
          + (option.equals("--disable-after") ? ", nor a count of failed deliveries such as 10, nor never" : ""));
    }
  }

  private static WebhooksCli.UsageException tooLong(String option, String text) {
    return new WebhooksCli.UsageException(option + ": '" + text + "' is longer than a duration can be"
        + (option.equals("--disable-after") ? "; for no time limit, leave it out or say never" : ""));
  }
}
