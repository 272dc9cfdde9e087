package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.stream.TakingTurns;

/**
 * Sends watch streams' buffered updates on a small pool, taking streams round-robin across accounts: an
 * account with thousands of streams delays another account's stream by at most one stream's turn, and the
 * change feed only queues.
 */
final class StreamSenders {
  /** Threads writing to streams at once, process-wide. */
  static final int THREADS = 2;
  private final TakingTurns turns = new TakingTurns("watch-sender", THREADS);

  /** Queues a stream that has updates to send; call once until it has drained. */
  void ready(String account, StreamWatcher stream) {
    turns.submit(account, stream::drain);
  }
}
