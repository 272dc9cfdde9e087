package com.apindicators.webhooks.server.api;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open watch streams of each API key, ended once their key is revoked, by this process or another. A key was
 * checked only when a stream opened: a leaked key that was revoked went on streaming its account's deliveries (URLs,
 * errors, disabled reasons) for as long as its client stayed connected. Every {@link #CHECK_EVERY} one query asks
 * which of the keys with open streams are no longer live.
 */
public final class StreamsByKey implements AutoCloseable {
  /** How often the keys of open streams are checked: a revoked key's streams end within about this long. */
  public static final Duration CHECK_EVERY = Duration.ofSeconds(5);
  private static final Logger log = LoggerFactory.getLogger(StreamsByKey.class);
  private final Function<Collection<String>, Set<String>> revokedAmong;
  /** Each key's streams, as what ends one; keys without open streams are not kept. */
  private final ConcurrentHashMap<String, Set<Runnable>> streams = new ConcurrentHashMap<>();
  private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "watch-key-checks");
    t.setDaemon(true);
    return t;
  });

  /** @param revokedAmong which of these key ids are no longer live (revoked, or gone) */
  public StreamsByKey(Function<Collection<String>, Set<String>> revokedAmong) {
    this.revokedAmong = revokedAmong;
    long ms = CHECK_EVERY.toMillis();
    checks.scheduleWithFixedDelay(this::check, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Adds a stream of the key, ended by {@code end} if the key is revoked; returns what removes it again. */
  Runnable add(String keyId, Runnable end) {
    streams.compute(keyId, (k, set) -> {
      Set<Runnable> s = set == null ? ConcurrentHashMap.newKeySet() : set;
      s.add(end);
      return s;
    });
    return () -> streams.computeIfPresent(keyId, (k, set) -> {
      set.remove(end);
      return set.isEmpty() ? null : set;
    });
  }

  /** Ends the streams of every key with open streams that is no longer live. */
  void check() {
    if (streams.isEmpty()) {
      return;
    }
    try {
      for (String keyId : revokedAmong.apply(List.copyOf(streams.keySet()))) {
        Set<Runnable> ended = streams.remove(keyId);
        if (ended != null) {
          log.info("API key {} was revoked: ending its {} watch streams", keyId, ended.size());
          for (Runnable end : ended) {
            try {
              end.run();
            } catch (RuntimeException e) {
              log.warn("Could not end a watch stream of revoked key {}: {}", keyId, e.toString());
            }
          }
        }
      }
    } catch (RuntimeException e) {
      // The database may be away; the next check asks again.
      log.warn("Could not check the keys of open watch streams: {}", e.toString());
    }
  }

  @Override
  public void close() {
    checks.shutdownNow();
  }
}
