package com.apindicators.webhooks.server.delivery;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jdbi.v3.core.Jdbi;

/** Reads the delivery log. */
public final class DeliveryLog {
  private final Jdbi jdbi;

  public DeliveryLog(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** A page of deliveries and the position to continue before; empty at the end. */
  public record Page(List<Delivery> deliveries, OptionalLong nextBeforeSeq) {}

  public Optional<Delivery> get(String deliveryId) {
    return jdbi.withExtension(DeliveryDao.class, dao -> dao.find(deliveryId));
  }

  /** Up to {@code limit} of a webhook's deliveries before a position (0 = from the newest), newest first. */
  public Page list(String webhookId, List<DeliveryStatus> statuses, long beforeSeq, int limit) {
    String[] s = statuses.stream().map(Enum::name).toArray(String[]::new);
    long before = beforeSeq == 0 ? Long.MAX_VALUE : beforeSeq;
    List<Delivery> rows = jdbi.withExtension(DeliveryDao.class, dao -> dao.listByWebhook(webhookId, s, before, limit + 1));
    boolean more = rows.size() > limit;
    List<Delivery> page = more ? rows.subList(0, limit) : rows;
    return new Page(List.copyOf(page), more ? OptionalLong.of(page.get(page.size() - 1).seq()) : OptionalLong.empty());
  }
}
