package com.apindicators.webhooks.server.stream;

/** Where a subscription's changes go; implemented at the gRPC edge. */
public interface Watcher {
  /**
   * Takes a change to send; returns false when the watcher cannot keep up (its buffer is full), and the
   * subscription is then ended.
   */
  boolean offer(DeliveryChange change);

  /** Ends the watch because it fell behind by more than its buffer. */
  void fellBehind();

  /** Ends the watch because the server is stopping. */
  void serverStopping();
}
