package com.apindicators.webhooks.server.events;

import com.apindicators.webhooks.server.registry.Ids;
import com.apindicators.webhooks.server.delivery.DeliveryJob;
import com.apindicators.webhooks.server.registry.EventCatalog;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.LoggerFactory;

/** Stores an event and its deliveries in one transaction, then hands the deliveries to this node's dispatcher. */
public final class Publisher {
  private final Jdbi jdbi;
  private final String nodeId;
  private final long leaseMs;
  private final Consumer<List<DeliveryJob>> dispatch;
  private static final String[] NONE = new String[0];

  public Publisher(Jdbi jdbi, String nodeId, long leaseMs, Consumer<List<DeliveryJob>> dispatch) {
    this.jdbi = jdbi;
    this.nodeId = nodeId;
    this.leaseMs = leaseMs;
    this.dispatch = dispatch;
  }

  /** The stored event and how many deliveries it created (for a repeated key: the first call's answer). */
  public record Published(PublishedEvent event, int deliveriesCreated) {}

  /** Publishes; durable once this returns. */
  public Published publish(NewEvent e) throws IdempotencyKeyReusedException {
    // Whole seconds, as our docs show the payload timestamp ("2026-04-03T14:30:00Z"); stored once, so every
    // attempt and redelivery carries the same one.
    Instant time = (e.timestamp() != null ? e.timestamp() : Instant.now()).truncatedTo(ChronoUnit.SECONDS);
    String hash = e.idempotencyKey() == null ? null : hash(e, e.data().canonical());
    String data = e.data().compact();
    Outcome outcome = durably(dao -> {
      if (e.idempotencyKey() != null) {
        dao.lockKey(e.accountId(), e.idempotencyKey());
        Optional<EventDao.PriorEvent> prior = dao.findByKey(e.accountId(), e.idempotencyKey());
        if (prior.isPresent()) {
          return new Outcome(prior.get(), List.of(), null);
        }
      }
      String id = dao.insert(e.type(), e.accountId(), Timestamp.from(time), data, e.idempotencyKey(), hash);
      List<DeliveryJob> jobs = dao.fanOut(id, e.type(), e.accountId(), EventCatalog.isSignal(e.type()),
          e.data().pair(), e.data().interval(), e.data().score(), nodeId, leaseMs, Timestamp.from(time), data, NONE);
      dao.setDeliveriesCreated(id, jobs.size(), Ids.span(id));
      if (jobs.isEmpty() && e.idempotencyKey() == null) {
        // Nothing will read it: keeping it would let an account without webhooks fill the disk. A keyed event
        // stays, so a repeat of its key still answers with it.
        dao.delete(id, Ids.span(id));
      }
      return new Outcome(null, jobs, id);
    });
    if (outcome.prior() != null) {
      EventDao.PriorEvent prior = outcome.prior();
      // Events stored before V7 carry the hash of the data as sent; a retry across the upgrade is still the same.
      if (!prior.requestHash().equals(hash) && !prior.requestHash().equals(hash(e, e.data().compact()))) {
        throw new IdempotencyKeyReusedException(e.idempotencyKey(), prior.event().eventId());
      }
      return new Published(prior.event(), prior.deliveriesCreated());
    }
    hand(outcome.jobs());
    return new Published(new PublishedEvent(outcome.eventId(), e.type(), e.accountId(), time, data), outcome.jobs().size());
  }

  /**
   * Sends a stored event again as new pending deliveries: to the named webhooks, or (none named) to every
   * enabled, subscribed webhook of its scope whose filter it matches. Durable once this returns; the ids of the
   * deliveries made, none when the event no longer exists.
   */
  public List<String> resend(PublishedEvent event, List<String> webhookIds) {
    EventJson.Data data;
    try {
      data = EventJson.parse(event.dataJson());
    } catch (EventJson.InvalidDataException ex) {
      throw new IllegalStateException("stored event data is not JSON: " + event.eventId(), ex);
    }
    List<DeliveryJob> jobs = durably(dao -> new Outcome(null, dao.fanOut(event.eventId(), event.type(),
        event.accountId(), EventCatalog.isSignal(event.type()), data.pair(), data.interval(), data.score(), nodeId,
        leaseMs, Timestamp.from(event.timestamp()), event.dataJson(), webhookIds.toArray(String[]::new)), null)).jobs();
    hand(jobs);
    return jobs.stream().map(DeliveryJob::deliveryId).toList();
  }

  /** Runs in one transaction committed synchronously: acknowledged means durable, also on a database whose default is asynchronous commits. */
  private Outcome durably(java.util.function.Function<EventDao, Outcome> work) {
    return jdbi.inTransaction(h -> {
      h.execute("SET LOCAL synchronous_commit = on");
      return work.apply(h.attach(EventDao.class));
    });
  }

  private void hand(List<DeliveryJob> jobs) {
    if (!jobs.isEmpty()) {
      try {
        dispatch.accept(jobs);
      } catch (RuntimeException ex) {
        // Committed already: the leases run out and any process's poller sends them.
        LoggerFactory.getLogger(Publisher.class).warn("Handing {} deliveries to the dispatcher failed", jobs.size(), ex);
      }
    }
  }

  private record Outcome(EventDao.PriorEvent prior, List<DeliveryJob> jobs, String eventId) {}

  /**
   * What makes two publishes "the same": type, scope, the timestamp if one was given, and the data in canonical
   * form (keys sorted, numbers by value), so that a client library's map order or number spelling does not count.
   */
  private static String hash(NewEvent e, String data) {
    String canonical = e.type() + "\n" + Optional.ofNullable(e.accountId()).orElse("") + "\n"
        + Optional.ofNullable(e.timestamp()).map(t -> t.truncatedTo(ChronoUnit.SECONDS).toString()).orElse("") + "\n"
        + data;
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex);
    }
  }
}
