package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.registry.KeyQuota;
import com.google.rpc.Code;
import java.util.Map;

/** Counts each API key's open watch streams and refuses one beyond the limit (per server process). */
final class WatchQuota {
  private final KeyQuota quota;

  WatchQuota(int perKey) {
    this.quota = new KeyQuota(perKey);
  }

  /**
   * Takes a slot for a stream of this key, or fails with RESOURCE_EXHAUSTED; returns what releases the slot
   * (safe to call more than once).
   */
  Runnable acquire(String keyId) {
    Runnable release = quota.tryAcquire(keyId);
    if (release == null) {
      int perKey = quota.perKey();
      throw Errors.of(Code.RESOURCE_EXHAUSTED, "WATCH_LIMIT_REACHED", "This API key already has " + perKey
          + " WatchDeliveries streams open, the most one key may hold; close one first, or watch several webhooks"
          + " in one stream (webhook_ids).", Map.of("limit", String.valueOf(perKey)));
    }
    return release;
  }
}
