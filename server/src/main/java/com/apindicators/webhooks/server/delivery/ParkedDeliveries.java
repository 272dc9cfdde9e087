package com.apindicators.webhooks.server.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * New deliveries this node's dispatcher had no room for at publish, kept leased to this node, ready to send, until
 * it has room: the poller then hands them over instead of their leases being released and claimed back, two updates
 * of every row (in the throughput workload, a third of PostgreSQL's time). Accounts take turns; each may park at
 * most {@code maxPerAccount}, all together {@code max} deliveries and {@code maxChars} characters of event data
 * (each counted whole, as the dispatcher counts). Beyond that, and for anything parked longer than {@code
 * maxAgeNanos} or whose webhook's lane is full when its turn comes, the lease is released to the database as
 * before, where the poller of any node claims it fairly.
 */
final class ParkedDeliveries {
  /** A parked delivery, with its event's data, and when its lease was taken ({@link System#nanoTime}). */
  record Parked(DeliveryJob job, long leasedAtNanos) {}

  /** What {@link #take} returns: deliveries to send, and the ids of those to release. */
  record Taken(List<Parked> load, List<String> release) {
    /** The earliest lease of those to load (their start-by time follows from it), or {@code now} for none. */
    long oldestLeaseNanos(long now) {
      return load.stream().mapToLong(Parked::leasedAtNanos).reduce(now, (a, b) -> a - b < 0 ? a : b);
    }
  }

  private final int max;
  private final int maxPerAccount;
  private final long maxChars;
  private final long maxAgeNanos;
  private final Map<String, ArrayDeque<Parked>> byAccount = new HashMap<>();
  /** Accounts with parked deliveries, in turn order. */
  private final ArrayDeque<String> turns = new ArrayDeque<>();
  private int size;
  private long chars;
  private long parkedTotal;
  private boolean closed;

  ParkedDeliveries(int max, int maxPerAccount, long maxChars, long maxAgeNanos) {
    this.max = max;
    this.maxPerAccount = maxPerAccount;
    this.maxChars = maxChars;
    this.maxAgeNanos = maxAgeNanos;
  }

  /**
   * Parks a delivery leased to this node (with its event's data); false (release it) when full, over its account's
   * share, or closed.
   */
  synchronized boolean park(DeliveryJob job, long leasedAtNanos) {
    ArrayDeque<Parked> q = byAccount.get(job.accountId());
    long jobChars = chars(job);
    if (closed || size >= max || chars + jobChars > maxChars || q != null && q.size() >= maxPerAccount) {
      return false;
    }
    if (q == null) {
      q = new ArrayDeque<>();
      byAccount.put(job.accountId(), q);
      turns.add(job.accountId());
    }
    q.add(new Parked(job, leasedAtNanos));
    size++;
    chars += jobChars;
    parkedTotal++;
    return true;
  }

  /**
   * Takes up to {@code n} to load, one per account in turn (oldest first within each). Those of webhooks in {@code
   * full} met on the way are taken to be released (their lanes would refuse them; the claim skips them in the
   * database until there is room), at most {@code n} of them per call.
   */
  synchronized Taken take(int n, Set<String> full) {
    List<Parked> load = new ArrayList<>();
    List<String> release = new ArrayList<>();
    while (load.size() < n && release.size() < n && !turns.isEmpty()) {
      String account = turns.poll();
      ArrayDeque<Parked> q = byAccount.get(account);
      Parked p = forget(q.poll());
      if (full.contains(p.job().webhookId())) {
        release.add(p.job().deliveryId());
      } else {
        load.add(p);
      }
      if (q.isEmpty()) {
        byAccount.remove(account);
      } else {
        turns.add(account);
      }
    }
    return new Taken(load, release);
  }

  /** Removes and returns the ids parked longer than the longest wait: their leases are to be released. */
  synchronized List<String> expired(long now) {
    List<String> out = new ArrayList<>();
    for (Iterator<String> it = turns.iterator(); it.hasNext(); ) {
      String account = it.next();
      ArrayDeque<Parked> q = byAccount.get(account);
      while (!q.isEmpty() && now - q.peek().leasedAtNanos() > maxAgeNanos) {
        out.add(forget(q.poll()).job().deliveryId());
      }
      if (q.isEmpty()) {
        byAccount.remove(account);
        it.remove();
      }
    }
    return out;
  }

  /** Forgets what is parked for a deleted webhook (its deliveries are gone with it). */
  synchronized void dropWebhook(String webhookId) {
    for (Iterator<String> it = turns.iterator(); it.hasNext(); ) {
      String account = it.next();
      ArrayDeque<Parked> q = byAccount.get(account);
      q.removeIf(p -> p.job().webhookId().equals(webhookId) && forget(p) != null);
      if (q.isEmpty()) {
        byAccount.remove(account);
        it.remove();
      }
    }
  }

  /** The webhooks that have deliveries parked. */
  synchronized Set<String> webhookIds() {
    Set<String> ids = new HashSet<>();
    byAccount.values().forEach(q -> q.forEach(p -> ids.add(p.job().webhookId())));
    return ids;
  }

  /** Parks nothing from now on and returns every id parked, whose leases are to be released. */
  synchronized List<String> close() {
    closed = true;
    List<String> out = new ArrayList<>();
    byAccount.values().forEach(q -> q.forEach(p -> out.add(p.job().deliveryId())));
    byAccount.clear();
    turns.clear();
    size = 0;
    chars = 0;
    return out;
  }

  private Parked forget(Parked p) {
    size--;
    chars -= chars(p.job());
    return p;
  }

  private static long chars(DeliveryJob job) {
    return job.dataJson() == null ? 0 : job.dataJson().length();
  }

  synchronized int size() {
    return size;
  }

  /** Deliveries parked since start. */
  synchronized long parkedTotal() {
    return parkedTotal;
  }
}
