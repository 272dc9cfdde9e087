package com.apindicators.webhooks.server.delivery;

import java.util.List;

/**
 * One row of the change log: a change, and whether the row also stands for the delivery's creation, the change just
 * before it at {@code changeId - 1} (the result writer recorded the creation and the first outcome in one batch, and
 * wrote one row for both; change ids step by 2, so that position was never issued to another row).
 */
record LoggedChange(DeliveryChange change, boolean createdToo) {
  /** The changes this row stands for, in order. */
  List<DeliveryChange> changes() {
    if (!createdToo) {
      return List.of(change);
    }
    Delivery d = change.delivery();
    // What the creation's own row held: the delivery as the publish inserted it, due at once, never attempted.
    Delivery created = new Delivery(0, d.deliveryId(), d.webhookId(), d.accountId(), d.eventId(), d.eventType(),
        d.url(), DeliveryStatus.PENDING, 0, "", "", 0, 0, d.createTime(), null, d.createTime());
    return List.of(new DeliveryChange(change.changeId() - 1, created, null), change);
  }
}
