package com.apindicators.webhooks.server.delivery;

import java.net.URI;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The endpoint (scheme, host and port) of each URL, which the dispatcher's lanes are keyed by; URLs seen recently
 * are remembered, at most {@link #MAX_REMEMBERED}, so a busy lane does not parse its URL for every job.
 * Not thread-safe: the dispatcher calls it under its lock.
 */
final class Endpoints {
  static final int MAX_REMEMBERED = 100_000;
  private final Map<String, String> byUrl = new HashMap<>();

  /** {@code scheme://host:port} of the URL, lower case, the port explicit; the URL itself if it does not parse. */
  String of(String url) {
    String known = byUrl.get(url);
    if (known != null) {
      return known;
    }
    if (byUrl.size() >= MAX_REMEMBERED) {
      byUrl.clear();
    }
    String endpoint = parse(url);
    byUrl.put(url, endpoint);
    return endpoint;
  }

  private static String parse(String url) {
    try {
      URI u = URI.create(url);
      int port = u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
      return u.getScheme().toLowerCase(Locale.ROOT) + "://" + String.valueOf(u.getHost()).toLowerCase(Locale.ROOT) + ":" + port;
    } catch (IllegalArgumentException e) {
      return url;
    }
  }
}
