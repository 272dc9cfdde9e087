package com.apindicators.webhooks.server.stream;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans delivery changes out to watchers. A watcher that resumes first replays the change log from its token,
 * then switches to live changes at the exact id it reached: no gap, no duplicate.
 */
public final class WatchHub {
  private static final Logger log = LoggerFactory.getLogger(WatchHub.class);
  static final int REPLAY_PAGE = 200;
  private final Jdbi jdbi;
  private final int maxPendingLive;
  private final Object lock = new Object();
  private final Set<Subscription> subscriptions = new LinkedHashSet<>();
  private long lastBroadcast;
  private boolean closed;

  /** One watcher's subscription and how far it has got. */
  public final class Subscription {
    final WatchFilter filter;
    final Watcher watcher;
    long cursor;
    boolean live;
    List<DeliveryChange> pendingLive = new ArrayList<>();

    Subscription(WatchFilter filter, Watcher watcher) {
      this.filter = filter;
      this.watcher = watcher;
    }
  }

  /** @param maxPendingLive how many live changes a replaying watcher may have waiting before it is cut off */
  public WatchHub(Jdbi jdbi, long lastChangeId, int maxPendingLive) {
    this.jdbi = jdbi;
    this.lastBroadcast = lastChangeId;
    this.maxPendingLive = maxPendingLive;
  }

  /**
   * Subscribes; with a resume position, replays every matching change after it (on this thread, paced by the
   * watcher's buffer) before going live. Returns null if the watcher was cut off or the hub is closed.
   */
  public Subscription subscribe(WatchFilter filter, Watcher watcher, OptionalLong resumeAfter, Pacer pacer)
      throws InterruptedException {
    Subscription s = new Subscription(filter, watcher);
    synchronized (lock) {
      if (closed) {
        watcher.serverStopping();
        return null;
      }
      subscriptions.add(s);
      s.cursor = resumeAfter.orElse(lastBroadcast);
      s.live = resumeAfter.isEmpty();
      log.info("Watch started; {} watching", subscriptions.size());
    }
    if (s.live) {
      return s;
    }
    while (true) {
      if (!pacer.awaitRoom(REPLAY_PAGE)) {
        unsubscribe(s);
        return null;
      }
      List<DeliveryChange> page = jdbi.withExtension(ChangeLog.class, c -> c.after(s.cursor, filter.accountId(),
          filter.webhookIdArray(), filter.eventTypeArray(), filter.statusArray(), REPLAY_PAGE));
      for (DeliveryChange change : page) {
        if (!watcher.offer(change)) {
          cutOff(s);
          return null;
        }
        s.cursor = change.changeId();
      }
      if (page.size() < REPLAY_PAGE) {
        synchronized (lock) {
          if (!subscriptions.contains(s)) {
            return null;
          }
          for (DeliveryChange change : s.pendingLive) {
            if (change.changeId() > s.cursor) {
              if (!watcher.offer(change)) {
                cutOffLocked(s);
                return null;
              }
              s.cursor = change.changeId();
            }
          }
          s.pendingLive = null;
          s.live = true;
          return s;
        }
      }
    }
  }

  /** Lets a replay wait for the watcher's buffer to have room. */
  public interface Pacer {
    /** Blocks until the watcher can take {@code n} more changes; false when it went away. */
    boolean awaitRoom(int n) throws InterruptedException;
  }

  /** Hands changes, in change-log order, to every matching watcher. */
  void broadcast(List<DeliveryChange> changes) {
    synchronized (lock) {
      for (DeliveryChange change : changes) {
        lastBroadcast = Math.max(lastBroadcast, change.changeId());
        for (Subscription s : List.copyOf(subscriptions)) {
          if (!s.filter.matches(change.delivery())) {
            continue;
          }
          if (!s.live) {
            s.pendingLive.add(change);
            if (s.pendingLive.size() > maxPendingLive) {
              cutOffLocked(s);
            }
          } else if (change.changeId() > s.cursor) {
            if (s.watcher.offer(change)) {
              s.cursor = change.changeId();
            } else {
              cutOffLocked(s);
            }
          }
        }
      }
    }
  }

  private void cutOff(Subscription s) {
    synchronized (lock) {
      cutOffLocked(s);
    }
  }

  private void cutOffLocked(Subscription s) {
    if (subscriptions.remove(s)) {
      log.info("Watch cut off for falling behind; {} watching", subscriptions.size());
      s.watcher.fellBehind();
    }
  }

  /** Removes a subscription (cancelled, deadline passed, or client gone). */
  public void unsubscribe(Subscription s) {
    if (s == null) {
      return;
    }
    synchronized (lock) {
      if (subscriptions.remove(s)) {
        log.info("Watch ended; {} watching", subscriptions.size());
      }
    }
  }

  /** How many watchers are subscribed. */
  public int watchers() {
    synchronized (lock) {
      return subscriptions.size();
    }
  }

  /** The highest change id handed out so far. */
  public long lastChangeId() {
    synchronized (lock) {
      return lastBroadcast;
    }
  }

  /** Ends every watch with "server stopping", so clients reconnect elsewhere with their tokens. */
  public void close() {
    synchronized (lock) {
      closed = true;
      for (Subscription s : subscriptions) {
        s.watcher.serverStopping();
      }
      subscriptions.clear();
    }
  }
}
