package com.apindicators.webhooks.server.stream;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs tasks on a small pool, taking them round-robin across accounts (first in, first out within one): an account
 * with many tasks queued delays another account's task by at most one of its own, whatever their number. Watch
 * streams' sends and replay pages go this way: one tenant's hundred replaying streams no longer queue every other
 * tenant's replay page behind theirs.
 */
public final class TakingTurns {
  private final Object lock = new Object();
  // Tasks by account, and the accounts in turn order.
  private final Map<String, ArrayDeque<Runnable>> waiting = new HashMap<>();
  private final ArrayDeque<String> turns = new ArrayDeque<>();
  private final ThreadPoolExecutor pool;

  /** @param threads tasks running at once, at most */
  public TakingTurns(String threadName, int threads) {
    pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
    pool.allowCoreThreadTimeOut(true);
  }

  /**
   * Queues a task of the account; it runs after the tasks queued before it for this account, taking turns with
   * other accounts' tasks.
   *
   * @throws RejectedExecutionException once shut down
   */
  public void submit(String account, Runnable task) {
    synchronized (lock) {
      if (pool.isShutdown()) {
        throw new RejectedExecutionException("shut down");
      }
      ArrayDeque<Runnable> tasks = waiting.get(account);
      if (tasks == null) {
        tasks = new ArrayDeque<>();
        waiting.put(account, tasks);
        turns.add(account);
      }
      tasks.add(task);
    }
    pool.execute(this::runOne);
  }

  private void runOne() {
    Runnable next;
    synchronized (lock) {
      String account = turns.poll();
      if (account == null) {
        return;
      }
      ArrayDeque<Runnable> tasks = waiting.get(account);
      next = tasks.poll();
      if (tasks.isEmpty()) {
        waiting.remove(account);
      } else {
        turns.add(account);
      }
    }
    next.run();
  }

  /** Stops: queued tasks are dropped, running ones interrupted. */
  public void shutdownNow() {
    synchronized (lock) {
      pool.shutdownNow();
      waiting.clear();
      turns.clear();
    }
  }
}
