package com.apindicators.webhooks.server.api;

import com.google.rpc.Code;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/** Counts each API key's open watch streams and refuses one beyond the limit (per server process). */
final class WatchQuota {
  private final int perKey;
  private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

  WatchQuota(int perKey) {
    this.perKey = perKey;
  }

  /**
   * Takes a slot for a stream of this key, or fails with RESOURCE_EXHAUSTED; returns what releases the slot
   * (safe to call more than once).
   */
  Runnable acquire(String keyId) {
    boolean[] taken = {false};
    open.compute(keyId, (k, n) -> {
      int now = n == null ? 0 : n;
      if (now >= perKey) {
        return n;
      }
      taken[0] = true;
      return now + 1;
    });
    if (!taken[0]) {
      throw Errors.of(Code.RESOURCE_EXHAUSTED, "WATCH_LIMIT_REACHED", "This API key already has " + perKey
          + " WatchDeliveries streams open, the most one key may hold; close one first, or watch several webhooks"
          + " in one stream (webhook_ids).", Map.of("limit", String.valueOf(perKey)));
    }
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        open.computeIfPresent(keyId, (k, n) -> n <= 1 ? null : n - 1);
      }
    };
  }
}
