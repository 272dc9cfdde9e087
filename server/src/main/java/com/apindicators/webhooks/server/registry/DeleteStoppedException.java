package com.apindicators.webhooks.server.registry;

/** A delete stopped before it finished because its caller stopped (cancelled, or past its deadline). */
public final class DeleteStoppedException extends Exception {
  private final long deliveriesDeleted;

  public DeleteStoppedException(long deliveriesDeleted) {
    super("The delete stopped after deleting " + deliveriesDeleted + " deliveries; the webhook remains.");
    this.deliveriesDeleted = deliveriesDeleted;
  }

  /** Deliveries deleted before it stopped; they stay deleted. */
  public long deliveriesDeleted() {
    return deliveriesDeleted;
  }
}
