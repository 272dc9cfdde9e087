package com.apindicators.webhooks.server.events;

import com.apindicators.webhooks.server.delivery.DeliveryJob;
import com.apindicators.webhooks.server.delivery.NewDeliveries;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** What a publisher handed over, with a fixed room. */
final class Handed implements NewDeliveries {
  final int room;
  final String[] full;
  final List<String> created = new CopyOnWriteArrayList<>();
  final List<DeliveryJob> leased = new CopyOnWriteArrayList<>();

  Handed(int room, String... full) {
    this.room = room;
    this.full = full;
  }

  @Override
  public Room room(String accountId, int dataChars) {
    return new Room(room, full);
  }

  @Override
  public void accept(List<DeliveryJob> createdJobs, List<DeliveryJob> jobs) {
    createdJobs.forEach(j -> created.add(j.deliveryId()));
    leased.addAll(jobs);
  }
}
