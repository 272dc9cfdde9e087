package com.apindicators.webhooks.server.events;

import com.apindicators.webhooks.server.delivery.DeliveryJob;
import com.apindicators.webhooks.server.delivery.NewDeliveries;
import com.apindicators.webhooks.server.registry.EventCatalog;
import com.apindicators.webhooks.server.store.Conflicts;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.LoggerFactory;

/** Stores an event and its deliveries in one transaction, then hands the deliveries to this node's dispatcher. */
public final class Publisher {
  private final Jdbi jdbi;
  private final String nodeId;
  private final long leaseMs;
  private final NewDeliveries deliveries;
  private final Consumer<String> published;

  public Publisher(Jdbi jdbi, String nodeId, long leaseMs, NewDeliveries deliveries) {
    this(jdbi, nodeId, leaseMs, deliveries, type -> { });
  }

  /** @param published told the type of each newly stored event (not of an idempotent repeat) */
  public Publisher(Jdbi jdbi, String nodeId, long leaseMs, NewDeliveries deliveries, Consumer<String> published) {
    this.jdbi = jdbi;
    this.nodeId = nodeId;
    this.leaseMs = leaseMs;
    this.deliveries = deliveries;
    this.published = published;
  }

  /** The stored event and how many deliveries it created (for a repeated key: the first call's answer). */
  public record Published(PublishedEvent event, int deliveriesCreated) {}

  /**
   * Publishes; durable once this returns: one statement, committed synchronously (the pool's connections commit
   * synchronously, see {@code Database}), sent in one round trip with its plan settings and, with an idempotency
   * key, the key's lock, in a transaction (committed in a second round trip), so the statement's check sees every
   * use of the key committed before (see {@link EventDao#publish}).
   */
  public Published publish(NewEvent e) throws IdempotencyKeyReusedException {
    // Whole seconds, as our docs show the payload timestamp ("2026-04-03T14:30:00Z"); stored once, so every
    // attempt and redelivery carries the same one.
    Instant time = (e.timestamp() != null ? e.timestamp() : Instant.now()).truncatedTo(ChronoUnit.SECONDS);
    String hash = e.idempotencyKey() == null ? null : hash(e, e.data().canonical());
    String data = e.data().compact();
    EventDao.Publication p = new EventDao.Publication(targets(e.type(), e.accountId(), e.data(), e.webhookIds()),
        time, data, e.idempotencyKey(), hash);
    // Run again if PostgreSQL aborts it to break a deadlock: it waits for the webhooks it goes to (LOCK_TARGETS).
    List<EventDao.PublishRow> rows = e.idempotencyKey() == null
        ? Conflicts.withHandle(jdbi, h -> EventDao.publish(h, p, nodeId, leaseMs))
        // The key's lock must hold until the commit, whatever the driver's settings (see EventDao.publish).
        : Conflicts.inTransaction(jdbi, h -> EventDao.publish(h, p, nodeId, leaseMs));
    String id = rows.get(0).eventId();
    if (!rows.get(0).stored() && e.idempotencyKey() != null) {
      EventDao.PriorEvent prior = jdbi.withExtension(EventDao.class, dao -> dao.findByKey(e.accountId(), e.idempotencyKey()))
          .orElseThrow(() -> new IllegalStateException("idempotency key in use but not found: " + e.idempotencyKey()));
      // Events stored before V7 carry the hash of the data as sent; a retry across the upgrade is still the same.
      if (!prior.requestHash().equals(hash) && !prior.requestHash().equals(hash(e, e.data().compact()))) {
        throw new IdempotencyKeyReusedException(e.idempotencyKey(), prior.event().eventId());
      }
      return new Published(prior.event(), prior.deliveriesCreated());
    }
    List<DeliveryJob> made = rows.stream().map(EventDao.PublishRow::job).filter(Objects::nonNull).toList();
    published.accept(e.type());
    hand(made, data, e.accountId());
    return new Published(new PublishedEvent(id, e.type(), e.accountId(), time, data), made.size());
  }

  private static EventDao.Targets targets(String type, String accountId, EventJson.Data data, List<String> only) {
    return new EventDao.Targets(type, accountId, EventCatalog.isSignal(type), data.pair(), data.interval(),
        data.score(), only.toArray(String[]::new));
  }

  /**
   * Sends a stored event again as new pending deliveries: to the named webhooks, or (none named) to every
   * enabled, subscribed webhook of its scope whose filter it matches (none being deleted). Durable once this
   * returns; the ids of the deliveries made, none when the event no longer exists.
   */
  public List<String> resend(PublishedEvent event, List<String> webhookIds) {
    EventJson.Data data;
    try {
      data = EventJson.parse(event.dataJson());
    } catch (EventJson.InvalidDataException ex) {
      throw new IllegalStateException("stored event data is not JSON: " + event.eventId(), ex);
    }
    EventDao.Targets targets = targets(event.type(), event.accountId(), data, webhookIds);
    List<DeliveryJob> jobs = Conflicts.withHandle(jdbi, h -> EventDao.fanOut(h, event.eventId(), targets, nodeId,
        leaseMs, event.timestamp()));
    hand(jobs, event.dataJson(), event.accountId());
    return jobs.stream().map(DeliveryJob::deliveryId).toList();
  }

  /**
   * Hands the new deliveries (all leased to this node) over: as many as the dispatcher has room for, none of a
   * webhook whose lane is full, to be sent here; the others wait parked there or are released (see
   * {@link NewDeliveries#accept}).
   */
  private void hand(List<DeliveryJob> made, String data, String accountId) {
    if (made.isEmpty()) {
      return;
    }
    try {
      NewDeliveries.Room room = deliveries.room(accountId, data.length());
      Set<String> full = new HashSet<>(Arrays.asList(room.fullWebhooks()));
      List<DeliveryJob> all = new ArrayList<>(made.size());
      List<DeliveryJob> handed = new ArrayList<>();
      for (DeliveryJob job : made) {
        DeliveryJob withData = job.withDataJson(data);
        all.add(withData);
        if (handed.size() < room.count() && !full.contains(job.webhookId())) {
          handed.add(withData);
        }
      }
      deliveries.accept(all, handed);
    } catch (RuntimeException ex) {
      // Committed already: the leases run out and any process's poller sends them.
      LoggerFactory.getLogger(Publisher.class).warn("Handing {} deliveries to the dispatcher failed", made.size(), ex);
    }
  }

  /**
   * What makes two publishes "the same": type, scope, the timestamp if one was given, the data in canonical form
   * (keys sorted, numbers by value), so that a client library's map order or number spelling does not count, and
   * the webhooks named, if any, in any order.
   */
  private static String hash(NewEvent e, String data) {
    String canonical = e.type() + "\n" + Optional.ofNullable(e.accountId()).orElse("") + "\n"
        + Optional.ofNullable(e.timestamp()).map(t -> t.truncatedTo(ChronoUnit.SECONDS).toString()).orElse("") + "\n"
        + data + (e.webhookIds().isEmpty() ? "" : "\n" + String.join(",", new TreeSet<>(e.webhookIds())));
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex);
    }
  }
}
