package com.apindicators.webhooks.server.delivery;

import java.util.List;

/**
 * Where a publishing process hands the deliveries it just made. Only as many as it has room for are made leased to
 * it; the rest are made unleased, so any process's poller claims them, and none is leased only to be given back.
 */
public interface NewDeliveries {
  /**
   * What it would take leased now of an event with this much data.
   *
   * @param count how many deliveries in all
   * @param fullWebhooks webhooks whose lanes are full: their deliveries would only be refused
   */
  record Room(int count, String[] fullWebhooks) {}

  /** What it would take leased now of an event of this account (null: a broadcast) with this much data. */
  Room room(String accountId, int dataChars);

  /** Takes new deliveries: every one is logged as created; those leased to this process are started. */
  void accept(List<String> createdIds, List<DeliveryJob> leased);
}
