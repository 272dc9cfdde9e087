package com.apindicators.webhooks.server.events;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jdbi.v3.core.Jdbi;

/** Reads the stored events. */
public final class EventLog {
  private final Jdbi jdbi;

  public EventLog(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** A page of events and the position to continue before; empty at the end. */
  public record Page(List<PublishedEvent> events, OptionalLong nextBeforeSeq) {}

  /** A stored event by id. */
  public Optional<PublishedEvent> get(String eventId) {
    return jdbi.withExtension(EventDao.class, dao -> dao.find(eventId)).map(EventDao.PriorEvent::event);
  }

  /** Up to {@code limit} of an account's events before a position (0 = from the newest), newest first. */
  public Page list(String accountId, List<String> types, long beforeSeq, int limit) {
    long before = beforeSeq == 0 ? Long.MAX_VALUE : beforeSeq;
    List<EventDao.PriorEvent> rows = jdbi.withExtension(EventDao.class,
        dao -> dao.listByAccount(accountId, types.toArray(String[]::new), before, limit + 1));
    boolean more = rows.size() > limit;
    List<EventDao.PriorEvent> page = more ? rows.subList(0, limit) : rows;
    return new Page(page.stream().map(EventDao.PriorEvent::event).toList(),
        more ? OptionalLong.of(page.get(page.size() - 1).seq()) : OptionalLong.empty());
  }
}
