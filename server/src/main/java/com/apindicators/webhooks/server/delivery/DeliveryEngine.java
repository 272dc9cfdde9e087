package com.apindicators.webhooks.server.delivery;

import com.apindicators.webhooks.server.config.Metrics;
import com.apindicators.webhooks.server.config.ServerConfig;
import com.apindicators.webhooks.server.registry.SecretRotation;
import com.apindicators.webhooks.server.registry.WebhookDao;
import com.apindicators.webhooks.server.store.Ids;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** This node's delivery machinery: sender, dispatcher, result writer and poller, started and stopped together. */
public final class DeliveryEngine implements NewDeliveries, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DeliveryEngine.class);
  /** How often waiting jobs are checked for webhooks deleted through another process. */
  public static final Duration DELETED_WEBHOOK_SWEEP = Duration.ofSeconds(1);
  /**
   * How far back each sweep reads the rotations of every process: a few sweeps, so that one that failed, or a
   * rotation whose transaction began (its time) a little before the sweep before committed after it, is read again.
   */
  static final Duration ROTATIONS_READ = Duration.ofSeconds(10);
  /** Rotations one sweep reads at most, the newest first (more in 10 s is a flood; the rest keep signing as read). */
  static final int ROTATIONS_READ_LIMIT = 10_000;
  /**
   * Rotations of one account one sweep reads at most, its newest: one account rotating faster than that cannot push
   * other accounts' rotations out of the read.
   */
  static final int ROTATIONS_READ_PER_ACCOUNT = 1_000;
  private final Jdbi jdbi;
  private final String nodeId = Ids.next("node_");
  private final Settings settings;
  private final HttpSender sender;
  private final ResultWriter writer;
  private final Dispatcher dispatcher;
  private final ParkedDeliveries parked;
  private final Poller poller;
  private final Metrics metrics;
  private final RotatedSecrets rotatedSecrets;
  private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "deleted-webhook-sweep");
    t.setDaemon(true);
    return t;
  });

  /**
   * How the engine runs.
   *
   * @param endpointFloor attempts in flight an account may always have at one endpoint
   * @param endpointMax the most attempts in flight an account may have at one endpoint, however fast it answers
   * @param maxQueued how many leased deliveries may wait in memory in all
   * @param maxQueuedChars how many characters of event data those may hold in all (each counted whole, as if none
   *     shared its event's); beyond it they wait in the database however few they are
   * @param lease how long a claimed delivery is this node's before another may take it over
   * @param timeout each attempt's total budget
   */
  public record Settings(int maxInFlight, int endpointFloor, int endpointMax, int maxQueued, long maxQueuedChars,
      Duration lease, Duration pollInterval, Duration timeout, boolean allowPrivateTargets) {
    /**
     * The event data deliveries waiting in memory may hold: 32 Mi characters (32-64 MiB), so the 10,000 of the
     * default queue fit with up to 3 KiB of data each, and 64 KiB events (the largest) wait in memory 512 at a time.
     */
    public static final long MAX_QUEUED_CHARS = 32L * 1024 * 1024;
    /** The most deliveries parked however large the queue (about 200 MiB of heap at most). */
    public static final int MAX_PARKED = 200_000;

    /**
     * New deliveries that may wait parked ({@link ParkedDeliveries}): four times the queue, at most 200,000 (each
     * about 1 KiB besides its event's data, which the deliveries of one publish share), three quarters of it for one
     * account, with as much event data as the queue.
     */
    public int maxParked() {
      return (int) Math.min(MAX_PARKED, 4L * maxQueued);
    }

    /** The settings the server's configuration asks for. */
    public static Settings of(ServerConfig c) {
      return new Settings(c.dispatcherConcurrency(), Math.min(c.endpointFloor(), c.endpointMaxInFlight()),
          c.endpointMaxInFlight(), c.dispatcherQueue(), MAX_QUEUED_CHARS, c.lease(), Duration.ofMillis(200),
          c.attemptTimeout(),
          c.allowPrivateTargets());
    }
  }

  public DeliveryEngine(Jdbi jdbi, Settings settings, SecretBox secrets, Metrics metrics) {
    this.jdbi = jdbi;
    this.settings = settings;
    // Longer than a delivery waits in memory (at most its lease), with a sweep's time to spare.
    this.rotatedSecrets = new RotatedSecrets(secrets, settings.lease().multipliedBy(2).plus(DELETED_WEBHOOK_SWEEP));
    this.sender = new HttpSender(new TargetGuard(settings.allowPrivateTargets()), secrets, settings.timeout(),
        settings.maxInFlight(), rotatedSecrets);
    this.writer = new ResultWriter(jdbi, nodeId, metrics::resultBatch, ResultWriter.creationWait(settings.lease()));
    this.metrics = metrics;
    this.dispatcher = new Dispatcher(sender, outcome -> {
      metrics.attempt(outcome.status() == DeliveryStatus.DELIVERED ? "delivered"
          : outcome.status() == DeliveryStatus.PENDING ? "retry" : "failed", outcome.job().eventType(),
          outcome.result().duration().toNanos() / 1e9);
      writer.submit(outcome);
    }, settings);
    metrics.gauge("webhooks_dispatcher_in_flight", "Delivery attempts in flight on this process", dispatcher::inFlight);
    metrics.gauge("webhooks_dispatcher_unproven_in_flight", "Attempts in flight to endpoints without a 2xx answer"
        + " lately (at most half the slots, a quarter per account)", dispatcher::unprovenInFlight);
    metrics.gauge("webhooks_secret_rotations_remembered", "Webhooks whose signing secret was rotated lately, remembered"
        + " so that deliveries read before the rotation are signed with the new secret", rotatedSecrets::size);
    metrics.gauge("webhooks_dispatcher_queued", "Deliveries waiting in this process's dispatcher",
        dispatcher::queued);
    metrics.gauge("webhooks_result_writer_queued", "Delivery results and creations waiting to be written",
        writer::queued);
    metrics.gauge("webhooks_result_writer_lag_seconds", "How long the oldest result or creation not yet written has"
        + " waited", writer::lagSeconds);
    metrics.counter("webhooks_stale_outcomes", "Attempt outcomes dropped because their lease had moved on "
        + "or their webhook was deleted", writer::staleOutcomes);
    metrics.counter("webhooks_creations_logged_with_outcome", "Delivery creations logged in one change-log row with"
        + " their first outcome (both reached the result writer's same batch)", writer::creationsLoggedWithOutcome);
    metrics.counter("webhooks_unrecordable_outcomes", "Attempt outcomes the database refused, recorded as failed "
        + "with the reason instead", writer::setAsideOutcomes);
    // Parked at most a quarter of the lease: what waits longer goes to the table, where any node may claim it.
    this.parked = new ParkedDeliveries(settings.maxParked(), Math.max(1, settings.maxParked() / 4 * 3),
        settings.maxQueuedChars(), settings.lease().toNanos() / 4);
    this.poller = new Poller(jdbi, dispatcher, parked, writer::release, nodeId, settings.lease(),
        settings.pollInterval());
    metrics.gauge("webhooks_dispatcher_parked", "Deliveries leased to this process at publish that wait parked for"
        + " room in its dispatcher", parked::size);
    metrics.counter("webhooks_deliveries_parked", "Deliveries parked at publish (leased, with their data) instead of"
        + " being released to the database", parked::parkedTotal);
    metrics.counter("webhooks_leases_released", "Leases this process gave back to the database (each such delivery"
        + " is claimed again by a poller)", writer::releasedLeases);
    poller.start();
    long sweep = DELETED_WEBHOOK_SWEEP.toMillis();
    sweeper.scheduleWithFixedDelay(this::dropDeletedWebhooks, sweep, sweep, TimeUnit.MILLISECONDS);
    sweeper.scheduleWithFixedDelay(this::learnRotations, 0, sweep, TimeUnit.MILLISECONDS);
  }

  /** A rotation through this process: deliveries read before it and not yet sent are signed with the new secret. */
  public void secretRotated(SecretRotation rotation) {
    learn(rotation);
  }

  /** Learns one rotation; one that cannot be (its secret does not open) is logged and skipped. */
  private void learn(SecretRotation rotation) {
    try {
      rotatedSecrets.learned(rotation);
    } catch (RuntimeException e) {
      log.warn("Could not take in the rotation of webhook {}'s secret; its waiting deliveries sign as they were read",
          rotation.webhookId(), e);
    }
  }

  /** Learns the rotations made lately through any process (read newest first, at most as many as are remembered). */
  private void learnRotations() {
    try {
      long within = ROTATIONS_READ.toMillis();
      jdbi.withExtension(WebhookDao.class, dao -> dao.rotatedWithin(within, ROTATIONS_READ_PER_ACCOUNT,
          ROTATIONS_READ_LIMIT)).forEach(this::learn);
      rotatedSecrets.forgetExpired();
    } catch (RuntimeException e) {
      log.warn("Reading the webhooks whose secret was rotated failed; trying again", e);
    }
  }

  /** Forgets a webhook deleted through this process: its waiting deliveries are never sent. */
  public void webhookDeleted(String webhookId) {
    dispatcher.dropWebhook(webhookId);
    parked.dropWebhook(webhookId);
  }

  /** Drops waiting and parked jobs whose webhook was deleted through any process. */
  private void dropDeletedWebhooks() {
    try {
      Set<String> ids = dispatcher.waitingWebhookIds();
      ids.addAll(parked.webhookIds());
      String[] waiting = ids.toArray(String[]::new);
      if (waiting.length > 0) {
        jdbi.withExtension(DeliveryDao.class, dao -> dao.deletedWebhooks(waiting)).forEach(this::webhookDeleted);
      }
    } catch (RuntimeException e) {
      log.warn("Checking for deleted webhooks failed; trying again", e);
    }
  }

  /** The id this node writes into the leases it holds. */
  public String nodeId() {
    return nodeId;
  }

  public long leaseMillis() {
    return settings.lease().toMillis();
  }

  @Override
  public Room room(String accountId, int dataChars) {
    return new Room(dispatcher.freeCapacity(dataChars), dispatcher.fullWebhooks(accountId));
  }

  /**
   * Takes newly published deliveries (with their data): logs their creation for watchers and starts sending the
   * handed ones. The others, and those the dispatcher refuses, stay leased here, parked for the poller to hand over
   * as soon as there is room (those of lanes still full then are released); what the parking cannot hold is released
   * by the writer, in the transaction that logs its creation or after it, so no other node sends it before that.
   */
  @Override
  public void accept(List<DeliveryJob> created, List<DeliveryJob> handed) {
    // Before the writer's queue may make this wait: the leases run from the publish, not from the hand-over.
    long leasedAt = System.nanoTime();
    metrics.deliveriesCreated(created.size());
    Set<String> sending = new HashSet<>();
    handed.forEach(j -> sending.add(j.deliveryId()));
    List<ParkedDeliveries.Parked> admitted =
        parked.admit(created.stream().filter(j -> !sending.contains(j.deliveryId())).toList(), leasedAt);
    Set<String> kept = new HashSet<>(sending);
    admitted.forEach(p -> kept.add(p.job().deliveryId()));
    writer.created(created.stream().map(DeliveryJob::deliveryId).toList(), id -> !kept.contains(id));
    // Only now: the poller may send a parked delivery at once, and its outcome must queue after its creation.
    List<DeliveryJob> release = new ArrayList<>(parked.open(admitted));
    List<DeliveryJob> refused = dispatcher.offer(handed, leasedAt);
    if (!refused.isEmpty()) {
      List<ParkedDeliveries.Parked> again = parked.admit(refused, leasedAt);
      release.addAll(parked.open(again));
      Set<String> parkedAgain = new HashSet<>();
      again.forEach(p -> parkedAgain.add(p.job().deliveryId()));
      refused.stream().filter(j -> !parkedAgain.contains(j.deliveryId())).forEach(release::add);
    }
    poller.release(release);
  }

  /** Starts sending jobs leased to this node; what does not fit is released for the poller of any node. */
  public void dispatch(List<DeliveryJob> jobs) {
    poller.release(dispatcher.offer(jobs));
  }

  /** Makes a finished delivery pending for one more attempt and sends it; empty if it is pending already. */
  public Optional<DeliveryJob> redeliver(String deliveryId) {
    Optional<DeliveryJob> job = jdbi.inTransaction(h -> {
      Optional<DeliveryJob> j = h.attach(DeliveryDao.class).redeliver(deliveryId, nodeId, settings.lease().toMillis(),
          Ids.span(deliveryId));
      j.ifPresent(x -> ChangeLog.record(h, new String[] {x.deliveryId()}));
      return j;
    });
    job.ifPresent(j -> dispatch(List.of(j)));
    return job;
  }

  /**
   * The first step of a drain: stops claiming and starting deliveries, and releases the leases of those held but not
   * started, so another process sends them now rather than when the leases run out.
   */
  public void stopTaking() throws InterruptedException {
    sweeper.shutdownNow();
    poller.close();
    List<DeliveryJob> unstarted = dispatcher.stopAccepting();
    List<String> ids = new ArrayList<>(parked.close());
    unstarted.forEach(j -> ids.add(j.deliveryId()));
    release(ids);
    log.info("Draining: stopped claiming deliveries and released {} deliveries not yet started to other processes;"
        + " {} attempts in flight may finish", ids.size(), dispatcher.inFlight());
  }

  /**
   * The last step: lets the attempts in flight finish until the deadline ({@link System#nanoTime}), releases the
   * leases of those still running then, writes every result, and closes the HTTP client.
   */
  public void finish(long deadlineNanos, Duration grace) throws InterruptedException {
    List<DeliveryJob> running = dispatcher.awaitIdle(deadlineNanos);
    if (running.isEmpty()) {
      log.info("Drained: every attempt in flight finished; writing their results");
    } else {
      release(running.stream().map(DeliveryJob::deliveryId).toList());
      log.warn("{} attempts were still in flight after the {} s grace; their leases are released, so another process"
          + " attempts them again (the same X-Webhook-Id)", running.size(), grace.toSeconds());
    }
    writer.close();
    sender.close();
  }

  /** Releases through the writer, after the creations queued before (it writes what is queued before it stops). */
  private void release(List<String> ids) {
    writer.release(ids);
  }

  /** Stops taking work, lets attempts in flight finish (up to their timeout), writes results. */
  @Override
  public void close() throws InterruptedException {
    stopTaking();
    Duration grace = settings.timeout().plusSeconds(1);
    finish(System.nanoTime() + grace.toNanos(), grace);
  }
}
