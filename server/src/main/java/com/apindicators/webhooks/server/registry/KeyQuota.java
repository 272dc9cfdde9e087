package com.apindicators.webhooks.server.registry;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts what each API key or account (the key it is given) holds of something (watch streams per API key, calls in
 * flight per account, name lookups in progress per account) against a limit per key. A key holding nothing has no
 * entry, so memory follows the keys active now, not every key ever seen.
 */
public final class KeyQuota {
  private final int perKey;
  private final int capacity;
  private final ConcurrentHashMap<String, Integer> held = new ConcurrentHashMap<>();
  private final AtomicInteger total = new AtomicInteger();

  public KeyQuota(int perKey) {
    this(perKey, 0);
  }

  /**
   * As above, for {@code capacity} slots shared by every key: a key holding some may take one more only while it
   * holds fewer than are free, so it takes at most half of what the others leave (two keys holding all they may keep a
   * quarter of the capacity free, a third once their slots turn over; with a fixed share each, two could hold
   * everything). A key holding none may always take one (up to the capacity, which the caller bounds). {@code 0}: no
   * such rule.
   */
  public KeyQuota(int perKey, int capacity) {
    this.perKey = perKey;
    this.capacity = capacity;
  }

  /** The most one key may hold. */
  public int perKey() {
    return perKey;
  }

  /**
   * Takes a slot for this key: returns what gives it back (safe to call more than once), or null when the key
   * already holds {@link #perKey()}.
   */
  public Runnable tryAcquire(String keyId) {
    boolean[] taken = {false};
    held.compute(keyId, (k, n) -> {
      int now = n == null ? 0 : n;
      if (now >= perKey || capacity > 0 && now > 0 && now >= capacity - total.get()) {
        return n;
      }
      taken[0] = true;
      total.incrementAndGet(); // inside, so a second take of the key sees it
      return now + 1;
    });
    if (!taken[0]) {
      return null;
    }
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        held.computeIfPresent(keyId, (k, n) -> {
          total.decrementAndGet();
          return n <= 1 ? null : n - 1;
        });
      }
    };
  }

  /** Slots held by all keys together. */
  public int total() {
    return total.get();
  }

  /** Keys holding at least one slot (each has an entry). */
  public int keys() {
    return held.size();
  }
}
