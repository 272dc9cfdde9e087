package com.apindicators.webhooks.server.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The creations of deliveries being sent by this process, held by the result writer until their first outcome comes
 * (for at most a wait), so that both are written as one change-log row. Used by the writer's thread only.
 */
final class HeldCreations {
  private final Map<String, ResultWriter.Item> held = new LinkedHashMap<>(); // in queue order
  private final long waitNanos;
  private final int capacity;

  /** @param capacity creations held at most; beyond it, new ones are written at once */
  HeldCreations(Duration wait, int capacity) {
    this.waitNanos = wait.toNanos();
    this.capacity = capacity;
  }

  boolean isEmpty() {
    return held.isEmpty();
  }

  int size() {
    return held.size();
  }

  /** When the oldest creation held was queued ({@code System.nanoTime()}), or 0 when none is. */
  long oldestQueuedNanos() {
    return held.isEmpty() ? 0 : held.values().iterator().next().queuedNanos();
  }

  /** How long until the oldest creation held is due (at most 0 when it is; {@code Long.MAX_VALUE} when none). */
  long nanosUntilDue(long now) {
    return held.isEmpty() ? Long.MAX_VALUE : oldestQueuedNanos() + waitNanos - now;
  }

  /**
   * The next batch to write, from the items just taken off the queue (in queue order; none when the wait ran out).
   * First the creations held until now that are settled: their delivery's outcome or lease release is among the
   * items (a lease is released only once its creation is logged). Then those whose wait is over (all of them when
   * {@code closing}), oldest first, while the batch has fewer than {@code maxBatch} items. Then the items, less the
   * creations it holds from now on: those of deliveries being sent here (not released at once) and not settled,
   * unless it is full or closing.
   */
  List<ResultWriter.Item> next(List<ResultWriter.Item> taken, int maxBatch, boolean closing) {
    long now = System.nanoTime();
    Set<String> settled = new HashSet<>();
    for (ResultWriter.Item i : taken) {
      String id = i.outcome() != null ? i.outcome().job().deliveryId() : i.releasedId();
      if (id != null) {
        settled.add(id);
      }
    }
    List<ResultWriter.Item> batch = new ArrayList<>(taken.size() + 16);
    for (String id : settled) {
      ResultWriter.Item h = held.remove(id);
      if (h != null) {
        batch.add(h);
      }
    }
    for (Iterator<ResultWriter.Item> it = held.values().iterator(); it.hasNext(); ) {
      ResultWriter.Item h = it.next();
      if (batch.size() >= maxBatch || !closing && h.queuedNanos() + waitNanos - now > 0) {
        break;
      }
      batch.add(h);
      it.remove();
    }
    for (ResultWriter.Item i : taken) {
      if (!closing && held.size() < capacity && i.createdId() != null && !i.release()
          && !settled.contains(i.createdId()) && !held.containsKey(i.createdId())) {
        held.put(i.createdId(), i);
      } else {
        batch.add(i);
      }
    }
    return batch;
  }
}
