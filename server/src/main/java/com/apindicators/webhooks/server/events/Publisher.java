package com.apindicators.webhooks.server.events;

import com.apindicators.webhooks.server.delivery.DeliveryJob;
import com.apindicators.webhooks.server.registry.EventCatalog;
import com.apindicators.webhooks.server.registry.Ids;
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
    String hash = e.idempotencyKey() == null ? null : hash(e);
    String id = Ids.next("evt_");
    Outcome outcome = jdbi.inTransaction(h -> {
      // Acknowledged means durable, also on a database whose default is asynchronous commits.
      h.execute("SET LOCAL synchronous_commit = on");
      EventDao dao = h.attach(EventDao.class);
      if (dao.insert(id, e.type(), e.accountId(), Timestamp.from(time), e.dataJson(), e.idempotencyKey(), hash) == 0) {
        return new Outcome(dao.findByKey(e.idempotencyKey()).orElseThrow(), List.of());
      }
      List<DeliveryJob> jobs = dao.fanOut(id, e.type(), e.accountId(), EventCatalog.isSignal(e.type()), e.pair(),
          e.interval(), e.score(), nodeId, leaseMs, Timestamp.from(time), e.dataJson());
      dao.setDeliveriesCreated(id, jobs.size());
      if (jobs.isEmpty() && e.idempotencyKey() == null) {
        // Nothing will read it: keeping it would let an account without webhooks fill the disk. A keyed event
        // stays, so a repeat of its key still answers with it.
        dao.delete(id);
      }
      return new Outcome(null, jobs);
    });
    if (outcome.prior() != null) {
      EventDao.PriorEvent prior = outcome.prior();
      if (!prior.requestHash().equals(hash)) {
        throw new IdempotencyKeyReusedException(e.idempotencyKey(), prior.event().eventId());
      }
      return new Published(prior.event(), prior.deliveriesCreated());
    }
    if (!outcome.jobs().isEmpty()) {
      try {
        dispatch.accept(outcome.jobs());
      } catch (RuntimeException ex) {
        // Committed already: the leases run out and any process's poller sends them.
        LoggerFactory.getLogger(Publisher.class).warn("Handing {} deliveries to the dispatcher failed", outcome.jobs().size(), ex);
      }
    }
    return new Published(new PublishedEvent(id, e.type(), e.accountId(), time, e.dataJson()), outcome.jobs().size());
  }

  private record Outcome(EventDao.PriorEvent prior, List<DeliveryJob> jobs) {}

  /** What makes two publishes "the same": type, scope, data and the timestamp if one was given. */
  private static String hash(NewEvent e) {
    String canonical = e.type() + "\n" + Optional.ofNullable(e.accountId()).orElse("") + "\n"
        + Optional.ofNullable(e.timestamp()).map(t -> t.truncatedTo(ChronoUnit.SECONDS).toString()).orElse("") + "\n"
        + e.dataJson();
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex);
    }
  }
}
