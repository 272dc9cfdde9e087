package com.apindicators.webhooks.server.delivery;

import com.apindicators.webhooks.server.registry.RetrySchedule;
import com.apindicators.webhooks.server.store.Ids;
import com.apindicators.webhooks.server.store.PageBudget;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
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
    return jdbi.withExtension(DeliveryDao.class, dao -> dao.find(deliveryId, Ids.span(deliveryId)));
  }

  /**
   * What a redelivery of the delivery may still take, at most: the attempts it has left (at least the one a redelivery
   * gives) and the longest waits between them; empty if there is no such delivery.
   */
  public Optional<RetrySchedule> redeliverySchedule(String deliveryId) {
    Ids.Span span = Ids.span(deliveryId);
    return jdbi.withHandle(h -> h.createQuery("""
        SELECT GREATEST(max_attempts, attempt_count + 1) - attempt_count AS attempts, retry_max_ms FROM deliveries
        WHERE delivery_id = :id AND create_time >= :from AND create_time < :until
        """).bind("id", deliveryId).bindMethods(span)
        .map((rs, ctx) -> new RetrySchedule(rs.getInt("attempts"),
            Duration.ofMillis((rs.getInt("attempts") - 1L) * rs.getLong("retry_max_ms"))))
        .findOne());
  }

  /** Whether the event is still kept (a redelivery sends it). */
  public boolean eventKept(String eventId) {
    return jdbi.withHandle(h -> h.createQuery("SELECT EXISTS (SELECT 1 FROM events WHERE event_id = :id"
        + " AND create_time >= :from AND create_time < :until)").bind("id", eventId).bindMethods(Ids.span(eventId))
        .mapTo(Boolean.class).one());
  }

  /** These deliveries (those that exist), oldest first. */
  public List<Delivery> getAll(List<String> deliveryIds) {
    if (deliveryIds.isEmpty()) {
      return List.of();
    }
    return jdbi.withExtension(DeliveryDao.class, dao -> dao.findAll(deliveryIds.toArray(String[]::new), Ids.span(deliveryIds)));
  }

  /**
   * Which deliveries a listing holds: one webhook's (webhookId set) or one account's, narrowed by the filters.
   *
   * @param statuses only these (empty = all); likewise eventTypes and webhookIds
   * @param from only those created at or after, or null; {@code to}: only those created before, or null
   */
  public record Query(String webhookId, String accountId, List<DeliveryStatus> statuses, List<String> eventTypes,
      List<String> webhookIds, Instant from, Instant to) {}

  /**
   * Up to {@code limit} of the listed deliveries before a position (0 = from the newest), newest first; fewer where
   * their URLs, response bodies and errors pass {@link PageBudget#MAX_PAGE_CHARS}.
   */
  public Page list(Query q, long beforeSeq, int limit) {
    String[] s = q.statuses().stream().map(Enum::name).toArray(String[]::new);
    String[] types = q.eventTypes().toArray(String[]::new);
    String[] hooks = q.webhookIds().toArray(String[]::new);
    Timestamp from = q.from() == null ? null : Timestamp.from(q.from());
    Timestamp to = q.to() == null ? null : Timestamp.from(q.to());
    long before = beforeSeq == 0 ? Long.MAX_VALUE : beforeSeq;
    List<Delivery> rows = jdbi.withExtension(DeliveryDao.class, dao -> q.webhookId() != null
        ? dao.listByWebhook(q.webhookId(), s, types, hooks, from, to, before, limit + 1)
        : dao.listByAccount(q.accountId(), s, types, hooks, from, to, before, limit + 1));
    List<Delivery> page = PageBudget.take(rows, limit,
        d -> PageBudget.length(d.url()) + PageBudget.length(d.responseBody()) + PageBudget.length(d.error()));
    boolean more = rows.size() > page.size();
    return new Page(page, more ? OptionalLong.of(page.get(page.size() - 1).seq()) : OptionalLong.empty());
  }

  /** A page of a delivery's attempts, and whether more follow. */
  public record Attempts(List<DeliveryAttempt> attempts, boolean more) {}

  /**
   * Up to {@code limit} of a delivery's attempts after an attempt number (0 = from the first), oldest first; fewer
   * where their response bodies and errors pass {@link PageBudget#MAX_PAGE_CHARS}.
   */
  public Attempts attempts(String deliveryId, int afterAttempt, int limit) {
    List<DeliveryAttempt> rows = jdbi.withExtension(DeliveryDao.class,
        dao -> dao.attempts(deliveryId, afterAttempt, limit + 1, Ids.span(deliveryId)));
    List<DeliveryAttempt> page = PageBudget.take(rows, limit,
        a -> PageBudget.length(a.responseBody()) + PageBudget.length(a.error()));
    return new Attempts(page, rows.size() > page.size());
  }
}
