package com.apindicators.webhooks.server.stream;

import com.apindicators.webhooks.server.delivery.DeliveryChange;

/** Where a subscription's changes go; implemented at the gRPC edge. */
public interface Watcher {
  /**
   * Takes a change to send; returns false when the watcher cannot keep up (its buffer is full), and the
   * subscription is then ended. Never blocks.
   */
  boolean offer(DeliveryChange change);

  /** How many more changes the watcher can take now; a replay reads the next page only when a page fits. */
  int room();

  /** Ends the watch because it fell behind by more than its buffer. */
  void fellBehind();

  /** Ends the watch because reading the changes it missed failed. */
  void replayFailed();

  /** Ends the watch because retention removed changes its replay had not reached yet. */
  void replayOutlived();

  /** Ends the watch because the server is stopping. */
  void serverStopping();
}
