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
 * of every row (in the throughput workload, a third of PostgreSQL's time). Accounts take turns. Each may park at
 * most {@code maxPerAccount} deliveries and three quarters of the event data; all together {@code max} deliveries
 * and {@code maxChars} characters of event data (each counted whole, as the dispatcher counts). Beyond that, and for
 * anything parked longer than {@code maxAgeNanos} or whose webhook's lane is full when its turn comes, the lease is
 * released to the database as before, where the poller of any node claims it fairly.
 *
 * <p>Parking has two steps: {@link #admit} reserves room, and {@link #open} makes what was admitted available to
 * {@link #take} once its creation is queued to the result writer, so that no parked delivery can have an outcome
 * before its creation is logged.
 */
final class ParkedDeliveries {
  /** A parked delivery, with its event's data, and when its lease was taken ({@link System#nanoTime}). */
  record Parked(DeliveryJob job, long leasedAtNanos) {}

  /** What {@link #take} returns: deliveries to send, and the ids of those to release. */
  record Taken(List<Parked> load, List<String> release) {}

  /** One account's parked deliveries: those open to {@link #take}, and the counts including those only admitted. */
  private static final class Account {
    final ArrayDeque<Parked> open = new ArrayDeque<>();
    int count;
    long chars;
  }

  private final int max;
  private final int maxPerAccount;
  private final long maxChars;
  private final long maxCharsPerAccount;
  private final long maxAgeNanos;
  private final Map<String, Account> accounts = new HashMap<>();
  /** Accounts with deliveries open to take, in turn order. */
  private final ArrayDeque<String> turns = new ArrayDeque<>();
  /** Batches admitted and not yet opened. */
  private final List<List<Parked>> admitted = new ArrayList<>();
  private int size;
  private long chars;
  private long parkedTotal;
  private boolean closed;

  ParkedDeliveries(int max, int maxPerAccount, long maxChars, long maxAgeNanos) {
    this.max = max;
    this.maxPerAccount = maxPerAccount;
    this.maxChars = maxChars;
    this.maxCharsPerAccount = maxChars / 4 * 3;
    this.maxAgeNanos = maxAgeNanos;
  }

  /**
   * Reserves room for the jobs, leased to this node (with their event's data), that fit; returns those admitted
   * (none once closed). They are not taken before {@link #open}.
   */
  synchronized List<Parked> admit(List<DeliveryJob> jobs, long leasedAtNanos) {
    List<Parked> batch = new ArrayList<>();
    for (DeliveryJob job : jobs) {
      Account a = accounts.get(job.accountId());
      long jobChars = chars(job);
      if (closed || size >= max || chars + jobChars > maxChars
          || a != null && (a.count >= maxPerAccount || a.chars + jobChars > maxCharsPerAccount)) {
        continue;
      }
      if (a == null) {
        a = new Account();
        accounts.put(job.accountId(), a);
      }
      a.count++;
      a.chars += jobChars;
      size++;
      chars += jobChars;
      parkedTotal++;
      batch.add(new Parked(job, leasedAtNanos));
    }
    if (!batch.isEmpty()) {
      admitted.add(batch);
    }
    return batch;
  }

  /**
   * Makes an admitted batch available to {@link #take}; returns the jobs given back instead because the parking
   * closed meanwhile (their leases to be released, after their creation is queued).
   */
  synchronized List<DeliveryJob> open(List<Parked> batch) {
    if (batch.isEmpty() || !admitted.remove(batch)) {
      return List.of();
    }
    if (closed) {
      batch.forEach(p -> forget(accounts.get(p.job().accountId()), p));
      return batch.stream().map(Parked::job).toList();
    }
    for (Parked p : batch) {
      Account a = accounts.get(p.job().accountId());
      if (a.open.isEmpty()) {
        turns.add(p.job().accountId());
      }
      a.open.add(p);
    }
    return List.of();
  }

  /**
   * Takes up to {@code n} to send, one per account in turn (oldest first within each). Those of webhooks in {@code
   * full} met on the way are taken to be released (their lanes would refuse them; the claim skips them in the
   * database until there is room), at most {@code n} of them per call.
   */
  synchronized Taken take(int n, Set<String> full) {
    List<Parked> load = new ArrayList<>();
    List<String> release = new ArrayList<>();
    while (load.size() < n && release.size() < n && !turns.isEmpty()) {
      String account = turns.poll();
      Account a = accounts.get(account);
      Parked p = forget(a, a.open.poll());
      if (full.contains(p.job().webhookId())) {
        release.add(p.job().deliveryId());
      } else {
        load.add(p);
      }
      if (!a.open.isEmpty()) {
        turns.add(account);
      }
    }
    return new Taken(load, release);
  }

  /**
   * Removes and returns the ids parked longer than the longest wait, their leases to be released. Each account's
   * oldest come first (a delivery parked after its dispatcher refused it may sit behind younger ones a little longer;
   * the dispatcher still starts nothing after half its lease).
   */
  synchronized List<String> expired(long now) {
    List<String> out = new ArrayList<>();
    for (Iterator<String> it = turns.iterator(); it.hasNext(); ) {
      Account a = accounts.get(it.next());
      while (!a.open.isEmpty() && now - a.open.peek().leasedAtNanos() > maxAgeNanos) {
        out.add(forget(a, a.open.poll()).job().deliveryId());
      }
      if (a.open.isEmpty()) {
        it.remove();
      }
    }
    return out;
  }

  /** Forgets what is parked for a deleted webhook (its deliveries are gone with it). */
  synchronized void dropWebhook(String webhookId) {
    for (Iterator<String> it = turns.iterator(); it.hasNext(); ) {
      Account a = accounts.get(it.next());
      a.open.removeIf(p -> p.job().webhookId().equals(webhookId) && forget(a, p) != null);
      if (a.open.isEmpty()) {
        it.remove();
      }
    }
  }

  /** The webhooks that have deliveries parked. */
  synchronized Set<String> webhookIds() {
    Set<String> ids = new HashSet<>();
    accounts.values().forEach(a -> a.open.forEach(p -> ids.add(p.job().webhookId())));
    return ids;
  }

  /**
   * Parks nothing from now on and returns the ids of every delivery open to take, whose leases are to be released;
   * batches admitted but not yet opened are given back by {@link #open}, once their creation is queued.
   */
  synchronized List<String> close() {
    closed = true;
    List<String> out = new ArrayList<>();
    for (String account : turns) {
      Account a = accounts.get(account);
      while (!a.open.isEmpty()) {
        out.add(forget(a, a.open.poll()).job().deliveryId());
      }
    }
    turns.clear();
    return out;
  }

  synchronized int size() {
    return size;
  }

  /** Deliveries parked since start. */
  synchronized long parkedTotal() {
    return parkedTotal;
  }

  private Parked forget(Account a, Parked p) {
    long c = chars(p.job());
    size--;
    chars -= c;
    a.count--;
    a.chars -= c;
    if (a.count == 0) {
      accounts.remove(p.job().accountId());
    }
    return p;
  }

  private static long chars(DeliveryJob job) {
    return job.dataJson() == null ? 0 : job.dataJson().length();
  }
}
