package com.apindicators.webhooks.server.delivery;

import java.util.List;

/**
 * Where a publishing process hands the deliveries it just made, all leased to it. Only as many as it has room for
 * are handed to its dispatcher; the others wait parked there, or are released for any process's poller once their
 * creation is logged.
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

  /**
   * Takes new deliveries (with their event's data): every one is logged as created; the handed ones are started
   * here, the others parked here or released after that log.
   */
  void accept(List<DeliveryJob> created, List<DeliveryJob> handed);
}
