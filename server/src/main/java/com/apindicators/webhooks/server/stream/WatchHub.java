package com.apindicators.webhooks.server.stream;

import com.apindicators.webhooks.server.delivery.ChangeLog;
import com.apindicators.webhooks.server.delivery.DeliveryChange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans delivery changes out to watchers. A watcher that resumes first replays the change log from its token,
 * then switches to live changes at the exact id it reached: no gap, no duplicate. Replays run a page at a time
 * on a small pool, whenever the watcher has room, so no thread waits for a slow client.
 */
public final class WatchHub {
  private static final Logger log = LoggerFactory.getLogger(WatchHub.class);
  static final int REPLAY_PAGE = 200;
  /**
   * Changes one replay page reads at most, whatever its filters ({@link ChangeLog#replayPage}): bounds how long a page
   * holds one of the {@link #REPLAY_THREADS}; the next page takes its account's turn ({@link TakingTurns}).
   */
  static final int REPLAY_SCAN = 10_000;
  /** Replays reading the change log at once, process-wide: bounds the threads and connections they take. */
  static final int REPLAY_THREADS = 2;
  /** The index key of watchers of every account (admin watches without an account). */
  private static final String ALL_ACCOUNTS = "";
  private final Jdbi jdbi;
  private final int maxPendingLive;
  /** Replay pages, taking turns by account: a tenant's many replaying streams delay another's page by one page. */
  private final TakingTurns replays = new TakingTurns("watch-replay", REPLAY_THREADS);
  private final Object lock = new Object();
  // Watchers by the account they watch, so a change costs work only for its own account's watchers.
  private final Map<String, Set<Subscription>> byAccount = new HashMap<>();
  private int count;
  private long cutOff;
  private long lastBroadcast;
  private boolean closed;

  /** One watcher's subscription and how far it has got. */
  public final class Subscription {
    final WatchFilter filter;
    final Watcher watcher;
    long cursor;
    volatile boolean live;
    volatile boolean ended;
    List<DeliveryChange> pendingLive = new ArrayList<>();
    /** A replay step is queued or running; at most one per subscription. */
    private final AtomicBoolean replaying = new AtomicBoolean();

    Subscription(WatchFilter filter, Watcher watcher) {
      this.filter = filter;
      this.watcher = watcher;
    }

    /** Tells a replaying subscription that its watcher may have room again (call from the stream's onReady). */
    public void wake() {
      if (!live && !ended && watcher.room() >= REPLAY_PAGE && replaying.compareAndSet(false, true)) {
        schedule(this);
      }
    }

    private String key() {
      return filter.accountId() == null ? ALL_ACCOUNTS : filter.accountId();
    }
  }

  /** @param maxPendingLive how many live changes a replaying watcher may have waiting before it is cut off */
  public WatchHub(Jdbi jdbi, long lastChangeId, int maxPendingLive) {
    this.jdbi = jdbi;
    this.lastBroadcast = lastChangeId;
    this.maxPendingLive = maxPendingLive;
  }

  /**
   * Subscribes and returns at once; with a resume position, the changes after it are replayed in the background
   * as the watcher takes them, then live ones follow. Returns null if the hub is closed.
   */
  public Subscription subscribe(WatchFilter filter, Watcher watcher, OptionalLong resumeAfter) {
    Subscription s = new Subscription(filter, watcher);
    synchronized (lock) {
      if (closed) {
        watcher.serverStopping();
        return null;
      }
      byAccount.computeIfAbsent(s.key(), k -> new LinkedHashSet<>()).add(s);
      count++;
      s.cursor = resumeAfter.orElse(lastBroadcast);
      s.live = resumeAfter.isEmpty();
      log.info("Watch started; {} watching", count);
    }
    if (!s.live) {
      s.replaying.set(true);
      schedule(s);
    }
    return s;
  }

  private void schedule(Subscription s) {
    try {
      replays.submit(s.key(), () -> replayStep(s));
    } catch (RejectedExecutionException closing) {
      s.replaying.set(false);
    }
  }

  /** Sends one page of the replay, then queues the next (behind other watchers' pages) or waits for room. */
  private void replayStep(Subscription s) {
    try {
      if (s.ended) {
        return;
      }
      if (s.watcher.room() < REPLAY_PAGE) {
        s.replaying.set(false);
        s.wake(); // room may have come between the check and the reset
        return;
      }
      WatchFilter f = s.filter;
      long from = s.cursor;
      long[] retiredThrough = {0};
      ChangeLog.Page page = jdbi.withHandle(h -> {
        ChangeLog.Page read = ChangeLog.replayPage(h, from, f.accountId(), f.webhookIdArray(), f.eventTypeArray(),
            f.statusArray(), REPLAY_PAGE, REPLAY_SCAN);
        // Read after the page: a change after the cursor retired before the page was read shows here.
        retiredThrough[0] = ChangeLog.prunedThrough(h);
        return read;
      });
      if (retiredThrough[0] > from) {
        boolean removed;
        synchronized (lock) {
          removed = remove(s);
        }
        if (removed) {
          log.info("A replay was ended: retention removed changes it had not reached");
          s.watcher.replayOutlived();
        }
        return;
      }
      for (DeliveryChange change : page.changes()) {
        if (!s.watcher.offer(change)) {
          cutOff(s);
          return;
        }
        s.cursor = change.changeId();
      }
      if (page.changes().size() == REPLAY_PAGE) {
        schedule(s);
      } else if (page.readThrough() != 0) {
        s.cursor = page.readThrough(); // short where its scan ended: everything through there was read
        schedule(s);
      } else {
        goLive(s);
      }
    } catch (RuntimeException e) {
      log.warn("Replaying a watch failed; it was ended", e);
      synchronized (lock) {
        remove(s);
      }
      s.watcher.replayFailed();
    }
  }

  /** Hands over the live changes collected during the replay that it has not reached, then goes live. */
  private void goLive(Subscription s) {
    synchronized (lock) {
      if (s.ended) {
        return;
      }
      for (DeliveryChange change : s.pendingLive) {
        if (change.changeId() > s.cursor) {
          if (!s.watcher.offer(change)) {
            cutOffLocked(s);
            return;
          }
          s.cursor = change.changeId();
        }
      }
      s.pendingLive = null;
      s.live = true;
    }
  }

  /**
   * With nobody watching, moves the live position to {@code latest} (the newest change id, read by the feed, the
   * only thread that moves the position) without the changes up to it being read; returns false, changing nothing,
   * while anyone watches. A watcher that started before this call makes it refuse, so the feed reads on from where
   * that watcher started; one that starts after starts from the new position: no gap either way.
   */
  boolean skipIfUnwatched(long latest) {
    synchronized (lock) {
      if (count > 0) {
        return false;
      }
      lastBroadcast = Math.max(lastBroadcast, latest);
      return true;
    }
  }

  /** Hands changes, in change-log order, to every matching watcher. */
  void broadcast(List<DeliveryChange> changes) {
    synchronized (lock) {
      for (DeliveryChange change : changes) {
        lastBroadcast = Math.max(lastBroadcast, change.changeId());
        offer(byAccount.get(change.delivery().accountId()), change);
        offer(byAccount.get(ALL_ACCOUNTS), change);
      }
    }
  }

  private void offer(Set<Subscription> watching, DeliveryChange change) {
    if (watching == null) {
      return;
    }
    List<Subscription> behind = null;
    for (Subscription s : watching) {
      if (!s.filter.matches(change.delivery())) {
        continue;
      }
      boolean ok = true;
      if (!s.live) {
        s.pendingLive.add(change);
        ok = s.pendingLive.size() <= maxPendingLive;
      } else if (change.changeId() > s.cursor) {
        ok = s.watcher.offer(change);
        if (ok) {
          s.cursor = change.changeId();
        }
      }
      if (!ok) {
        behind = behind == null ? new ArrayList<>() : behind;
        behind.add(s);
      }
    }
    if (behind != null) {
      behind.forEach(this::cutOffLocked);
    }
  }

  private void cutOff(Subscription s) {
    synchronized (lock) {
      cutOffLocked(s);
    }
  }

  private void cutOffLocked(Subscription s) {
    if (remove(s)) {
      cutOff++;
      log.info("Watch cut off for falling behind; {} watching", count);
      s.watcher.fellBehind();
    }
  }

  private boolean remove(Subscription s) {
    if (s.ended) {
      return false;
    }
    s.ended = true;
    Set<Subscription> watching = byAccount.get(s.key());
    watching.remove(s);
    if (watching.isEmpty()) {
      byAccount.remove(s.key());
    }
    count--;
    return true;
  }

  /** Removes a subscription (cancelled, deadline passed, or client gone). */
  public void unsubscribe(Subscription s) {
    if (s == null) {
      return;
    }
    synchronized (lock) {
      if (remove(s)) {
        log.info("Watch ended; {} watching", count);
      }
    }
  }

  /** How many watchers are subscribed. */
  public int watchers() {
    synchronized (lock) {
      return count;
    }
  }

  /** How many watches were ended so far for falling behind. */
  public long cutOffForFallingBehind() {
    synchronized (lock) {
      return cutOff;
    }
  }

  /** The highest change id handed out so far. */
  public long lastChangeId() {
    synchronized (lock) {
      return lastBroadcast;
    }
  }

  /** The change ids a watch can resume after: from the newest pruned (nothing after it is gone) to the newest issued. */
  public record Resumable(long prunedThrough, long last) {}

  /** Which change ids a watch can resume after now (the log is pruned to its kept days). */
  public Resumable resumable() {
    return jdbi.withHandle(h -> {
      ChangeLog log = h.attach(ChangeLog.class);
      return new Resumable(ChangeLog.prunedThrough(h), log.lastIssuedId());
    });
  }

  /** Ends every watch with "server stopping", so clients reconnect elsewhere with their tokens. */
  public void close() {
    synchronized (lock) {
      closed = true;
      for (Set<Subscription> watching : byAccount.values()) {
        for (Subscription s : watching) {
          s.ended = true;
          s.watcher.serverStopping();
        }
      }
      byAccount.clear();
      count = 0;
    }
    replays.shutdownNow();
  }
}
