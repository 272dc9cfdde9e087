package com.apindicators.webhooks.server.events;

import com.apindicators.webhooks.server.store.Ids;
import com.apindicators.webhooks.server.store.PageBudget;
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
    return jdbi.withExtension(EventDao.class, dao -> dao.find(eventId, Ids.span(eventId))).map(EventDao.PriorEvent::event);
  }

  /** Up to {@code limit} of an account's events before a position (0 = from the newest), newest first. */
  public Page list(String accountId, List<String> types, long beforeSeq, int limit) {
    long before = beforeSeq == 0 ? Long.MAX_VALUE : beforeSeq;
    List<EventDao.PriorEvent> rows = jdbi.withExtension(EventDao.class,
        dao -> dao.listByAccount(accountId, types.toArray(String[]::new), before, limit + 1));
    // A page also ends where its events' data passes PageBudget.MAX_PAGE_CHARS (at least one event), so that a page
    // of 500 events of 64 KiB each cannot make a response of tens of MiB.
    List<EventDao.PriorEvent> page = PageBudget.take(rows, limit, row -> row.event().dataJson().length());
    boolean more = rows.size() > page.size();
    return new Page(page.stream().map(EventDao.PriorEvent::event).toList(),
        more ? OptionalLong.of(page.get(page.size() - 1).seq()) : OptionalLong.empty());
  }
}
