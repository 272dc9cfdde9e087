package com.apindicators.webhooks.server.delivery;

import java.util.List;

/**
 * Where a publishing process hands the deliveries it just made. Only as many as it has room for are made leased to
 * it; the rest are made unleased, so any process's poller claims them, and none is leased only to be given back.
 */
public interface NewDeliveries {
  /** How many new deliveries of an event with this much data it would take leased now. */
  int room(int dataChars);

  /** Takes new deliveries: every one is logged as created; those leased to this process are started. */
  void accept(List<String> createdIds, List<DeliveryJob> leased);
}
