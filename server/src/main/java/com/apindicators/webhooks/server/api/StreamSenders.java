package com.apindicators.webhooks.server.api;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Sends watch streams' buffered updates on a small pool, taking streams round-robin across accounts: an
 * account with thousands of streams delays another account's stream by at most one stream's turn, and the
 * change feed only queues.
 */
final class StreamSenders {
  /** Threads writing to streams at once, process-wide. */
  static final int THREADS = 2;
  private final Object lock = new Object();
  // Streams with updates to send, by account, and the accounts in turn order.
  private final Map<String, ArrayDeque<StreamWatcher>> waiting = new HashMap<>();
  private final ArrayDeque<String> turns = new ArrayDeque<>();
  private final ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
      new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "watch-sender");
        t.setDaemon(true);
        return t;
      });

  StreamSenders() {
    pool.allowCoreThreadTimeOut(true);
  }

  /** Queues a stream that has updates to send; call once until it has drained. */
  void ready(String account, StreamWatcher stream) {
    synchronized (lock) {
      ArrayDeque<StreamWatcher> streams = waiting.get(account);
      if (streams == null) {
        streams = new ArrayDeque<>();
        waiting.put(account, streams);
        turns.add(account);
      }
      streams.add(stream);
    }
    pool.execute(this::sendOne);
  }

  private void sendOne() {
    StreamWatcher next;
    synchronized (lock) {
      String account = turns.poll();
      if (account == null) {
        return;
      }
      ArrayDeque<StreamWatcher> streams = waiting.get(account);
      next = streams.poll();
      if (streams.isEmpty()) {
        waiting.remove(account);
      } else {
        turns.add(account);
      }
    }
    next.drain();
  }
}
