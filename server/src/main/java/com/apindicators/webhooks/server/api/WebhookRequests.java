package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.registry.DisablePolicy;
import com.apindicators.webhooks.server.registry.EventCatalog;
import com.apindicators.webhooks.server.registry.EventFilter;
import com.apindicators.webhooks.server.registry.RetrySettings;
import com.apindicators.webhooks.server.security.TargetGuard;
import com.apindicators.webhooks.v1.RetryPolicy;
import com.apindicators.webhooks.v1.WebhookFilter;
import com.google.protobuf.util.Durations;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Validates the webhook fields of create and update requests and turns them into core values. */
public final class WebhookRequests {
  public static final int MAX_NAME = 100;
  public static final int MAX_URL = 2048;
  public static final int MAX_FILTER_VALUES = Fields.MAX_REPEATED;
  public static final int MAX_FILTER_VALUE_LENGTH = 32;
  public static final int MIN_PORT = 1;
  public static final int MAX_PORT = 65535;

  private WebhookRequests() {}

  /** A name of 1-100 characters, no control characters. */
  public static String name(String field, String name, Violations v) {
    String trimmed = name.strip();
    if (trimmed.isEmpty()) {
      v.add(field, "is required: a label such as \"Telegram Bot\"");
    } else if (trimmed.codePointCount(0, trimmed.length()) > MAX_NAME) {
      v.add(field, "must be at most " + MAX_NAME + " characters");
    } else if (Fields.hasControl(trimmed)) {
      v.add(field, "must not contain control characters");
    }
    return trimmed;
  }

  /** An absolute http(s) URL with a host, at most 2048 characters, that the target guard allows. */
  public static String url(String field, String url, TargetGuard guard, Violations v) {
    if (url.isEmpty()) {
      v.add(field, "is required: the https:// endpoint that receives the POSTs");
      return url;
    }
    if (url.length() > MAX_URL) {
      v.add(field, "must be at most " + MAX_URL + " characters");
      return url;
    }
    if (Fields.hasControl(url) || url.chars().anyMatch(Character::isWhitespace)) {
      v.add(field, "must not contain spaces or control characters");
      return url;
    }
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("https") && !scheme.equals("http")) {
        v.add(field, "must start with https:// (or http://)");
      } else if (uri.getHost() == null || uri.getHost().isEmpty()) {
        v.add(field, uri.getRawAuthority() == null ? "must name a host, as in https://example.com/webhook"
            : "has a host that is neither a valid name nor an address (" + Fields.quote(uri.getRawAuthority()) + ")");
      } else if (uri.getRawUserInfo() != null) {
        v.add(field, "must not carry credentials (user:password@); verify our signature instead");
      } else if (uri.getRawFragment() != null) {
        v.add(field, "must not have a #fragment");
      } else if (uri.getPort() != -1 && (uri.getPort() < MIN_PORT || uri.getPort() > MAX_PORT)) {
        v.add(field, "has port " + uri.getPort() + "; a port must be " + MIN_PORT + "-" + MAX_PORT
            + " (or left out for the scheme's default)");
      } else if (guard.refusalForHost(uri.getHost()) != null) {
        v.add(field, guard.refusalForHost(uri.getHost()));
      }
    } catch (URISyntaxException e) {
      v.add(field, "is not a valid URL: " + e.getReason());
    }
    return url;
  }

  /** The warnings a valid URL earns, such as plain HTTP. */
  public static List<String> warnings(String url) {
    if (url.regionMatches(true, 0, "http:", 0, 5)) {
      return List.of("The URL uses plain HTTP: payloads and signatures travel unencrypted. Use an https:// URL.");
    }
    return List.of();
  }

  /** A non-empty list of catalog event types without duplicates. */
  public static List<String> events(String field, List<String> events, Violations v) {
    if (events.isEmpty()) {
      v.add(field, "must name at least one event type: " + String.join(", ", EventCatalog.all().keySet()));
      return events;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < events.size(); i++) {
      String e = events.get(i);
      if (!EventCatalog.contains(e)) {
        v.add(field + "[" + i + "]", Fields.quote(e) + " is not an event type; use one of "
            + String.join(", ", EventCatalog.all().keySet()));
      } else if (!seen.add(e)) {
        v.add(field + "[" + i + "]", "'" + e + "' is listed twice");
      }
    }
    return List.copyOf(events);
  }

  /** A retry policy: 1-10 attempts (0 means 1), backoffs 100 ms to 24 h, initial not above max. */
  public static RetrySettings retry(String field, boolean present, RetryPolicy p, Violations v) {
    if (!present) {
      return RetrySettings.NONE;
    }
    int attempts = p.getMaxAttempts() == 0 ? 1 : p.getMaxAttempts();
    if (attempts < 1 || attempts > RetrySettings.MAX_ATTEMPTS_LIMIT) {
      v.add(field + ".max_attempts", "must be 1 (no retries) to " + RetrySettings.MAX_ATTEMPTS_LIMIT);
    }
    Duration initial = p.hasInitialBackoff() ? duration(p.getInitialBackoff()) : RetrySettings.NONE.initialBackoff();
    Duration max = p.hasMaxBackoff() ? duration(p.getMaxBackoff()) : RetrySettings.NONE.maxBackoff();
    if (initial == null || initial.compareTo(RetrySettings.MIN_BACKOFF) < 0
        || initial.compareTo(RetrySettings.MAX_BACKOFF_LIMIT) > 0) {
      v.add(field + ".initial_backoff", "must be between 100ms and 24h");
    }
    if (max == null || max.compareTo(RetrySettings.MIN_BACKOFF) < 0 || max.compareTo(RetrySettings.MAX_BACKOFF_LIMIT) > 0) {
      v.add(field + ".max_backoff", "must be between 100ms and 24h");
    }
    if (initial != null && max != null && initial.compareTo(max) > 0) {
      v.add(field + ".max_backoff", "must not be shorter than initial_backoff");
    }
    return v.isEmpty() ? new RetrySettings(attempts, initial, max) : RetrySettings.NONE;
  }

  /** A filter: at most 100 pairs and intervals of 1-32 characters, and a finite, non-negative minimum score. */
  public static EventFilter filter(String field, boolean present, WebhookFilter f, Violations v) {
    if (!present) {
      return EventFilter.NONE;
    }
    List<String> pairs = filterValues(field + ".pairs", f.getPairsList(), v);
    List<String> intervals = filterValues(field + ".intervals", f.getIntervalsList(), v);
    if (!Double.isFinite(f.getMinScore()) || f.getMinScore() < 0) {
      v.add(field + ".min_score", "must be a finite number, at least 0 (0 = no minimum)");
    }
    return new EventFilter(pairs, intervals, f.getMinScore());
  }

  private static List<String> filterValues(String field, List<String> values, Violations v) {
    if (values.size() > MAX_FILTER_VALUES) {
      v.add(field, "must have at most " + MAX_FILTER_VALUES + " entries");
      return values;
    }
    for (int i = 0; i < values.size(); i++) {
      String s = values.get(i);
      if (s.isEmpty() || s.length() > MAX_FILTER_VALUE_LENGTH || Fields.hasControl(s)) {
        v.add(field + "[" + i + "]", "must be 1-" + MAX_FILTER_VALUE_LENGTH + " printable characters");
      }
    }
    return List.copyOf(new java.util.LinkedHashSet<>(values));
  }

  /** A disable policy: unset or empty means never; a period of 1 minute to 30 days, or 1-10,000 failed deliveries. */
  public static DisablePolicy disablePolicy(String field, boolean present,
      com.apindicators.webhooks.v1.DisablePolicy p, Violations v) {
    if (!present) {
      return DisablePolicy.NEVER;
    }
    switch (p.getTriggerCase()) {
      case AFTER_FAILING_FOR -> {
        Duration after = duration(p.getAfterFailingFor());
        if (after == null || after.compareTo(DisablePolicy.MIN_FAILING_FOR) < 0
            || after.compareTo(DisablePolicy.MAX_FAILING_FOR) > 0) {
          v.add(field + ".after_failing_for", "must be between 1 minute and " + DisablePolicy.MAX_FAILING_FOR.toDays()
              + " days (e.g. 432000s for 5 days)");
          return DisablePolicy.NEVER;
        }
        return new DisablePolicy(after, 0);
      }
      case AFTER_CONSECUTIVE_FAILURES -> {
        int n = p.getAfterConsecutiveFailures();
        if (n < 1 || n > DisablePolicy.MAX_CONSECUTIVE_FAILURES) {
          v.add(field + ".after_consecutive_failures", "must be 1 to " + DisablePolicy.MAX_CONSECUTIVE_FAILURES
              + " failed deliveries in a row");
          return DisablePolicy.NEVER;
        }
        return new DisablePolicy(null, n);
      }
      default -> {
        return DisablePolicy.NEVER;
      }
    }
  }

  private static Duration duration(com.google.protobuf.Duration d) {
    try {
      Durations.checkValid(d);
      return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
