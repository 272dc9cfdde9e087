package com.apindicators.webhooks.server.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Sends leased deliveries with bounded concurrency, fair at two levels: accounts take turns (round-robin over the
 * accounts with work ready) and each holds at most a share of the slots ({@link AccountSlots}), and within an
 * account its endpoints take turns. Each account's lane to an endpoint
 * may have in flight its floor plus what its recent 2xx answers earn, and hold only what it can start soon; jobs
 * beyond that are refused (their leases released: the backlog waits in the database), unless the account holds less
 * than its burst share of the queue ({@link #BURST_SHARE}). A job is started only while at least half its lease is
 * left, so its attempt and result fit in the lease and no other poller takes it over.
 */
public final class Dispatcher {
  /** A lane idle this long is forgotten, with what its answers earned. */
  private static final long LANE_MEMORY_NANOS = Duration.ofSeconds(10).toNanos();
  private static final int MAX_REMEMBERED_DELETES = 10_000;
  /** The most full webhooks one publish names (see {@link #fullWebhooks(String)}). */
  static final int MAX_FULL_NAMED = 1_000;
  /**
   * An account's lanes may together hold up to this fraction of {@code maxQueued} however little they earned: a
   * burst (one event to a thousand webhooks, on lanes not seen for a while) is taken whole at hand-over instead of
   * being released to the table and claimed back in rounds while the lanes earn their rate (the fan-out workload:
   * every delivery went round the table). A lane that has not earned half of what it holds after {@link
   * #BURST_GRACE} gives the surplus back at the next trim, so an endpoint that never answers keeps a burst that long;
   * and one account cannot fill more than this share of the queue with jobs it has not earned.
   */
  static final int BURST_SHARE = 8;
  /**
   * How long a lane keeps a burst before trimming measures it against what it earned: long enough for a fast
   * endpoint's first answers to earn its rate (a trim in its first milliseconds gave back half of a fan-out's
   * deliveries), short beside the lease.
   */
  static final Duration BURST_GRACE = Duration.ofSeconds(1);
  private final HttpSender sender;
  private final Consumer<Outcome> results;
  private final int maxInFlight;
  private final int floor;
  private final int cap;
  private final int maxQueued;
  /** What an account's lanes may hold in all beyond what they earned ({@link #BURST_SHARE}). */
  private final int burstPerAccount;
  private final long burstGraceNanos;
  private final long maxQueuedChars;
  private final double timeoutSeconds;
  private final long leaseNanos;
  /** How far ahead "soon" reaches: a quarter of the lease, so what a lane holds starts well within half of it. */
  private final double horizonSeconds;
  private final Object lock = new Object();
  private final Endpoints endpoints = new Endpoints();
  private final UnprovenSlots unproven;
  private final AccountSlots accountSlots;
  private final ThreadLocal<Pumping> pumping = ThreadLocal.withInitial(Pumping::new);
  private final Map<String, EndpointLane> lanes = new HashMap<>();
  /** The same lanes by account, for what a publish of one account asks. */
  private final Map<String, Set<EndpointLane>> lanesByAccount = new HashMap<>();
  private final Map<String, ArrayDeque<EndpointLane>> readyByAccount = new HashMap<>();
  private final ArrayDeque<String> readyAccounts = new ArrayDeque<>();
  private final Map<String, Held> held = new HashMap<>();
  /** Jobs held (waiting and in flight) per account; an account holding none has no entry. */
  private final Map<String, Integer> heldByAccount = new HashMap<>();
  private final List<DeliveryJob> stale = new ArrayList<>();
  // Recently deleted webhooks: a claim read before the delete committed may still be offered after it.
  private final Set<String> deleted = Collections.newSetFromMap(new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > MAX_REMEMBERED_DELETES;
    }
  });
  private final Object roomLock = new Object();
  private boolean roomSignalled;
  private int inFlight;
  private int queued;
  /** The event data of the jobs waiting, in characters. */
  private long queuedChars;
  /** Someone found the queue at least half full: the poller is woken when it has drained to half. */
  private boolean queueWanted;
  private boolean accepting = true;

  /** A job this dispatcher holds, and by when it must start for its lease to cover the attempt. */
  static final class Held {
    final DeliveryJob job;
    final EndpointLane lane;
    long startByNanos;
    boolean started;
    /** Started on an unproven lane: holds an {@link UnprovenSlots} slot until it ends. */
    boolean unproven;

    Held(DeliveryJob job, EndpointLane lane, long startByNanos) {
      this.job = job;
      this.lane = lane;
      this.startByNanos = startByNanos;
    }
  }

  public Dispatcher(HttpSender sender, Consumer<Outcome> results, DeliveryEngine.Settings settings) {
    this(sender, results, settings, BURST_GRACE);
  }

  /** As above, with another {@link #BURST_GRACE} (for tests). */
  Dispatcher(HttpSender sender, Consumer<Outcome> results, DeliveryEngine.Settings settings, Duration burstGrace) {
    this.burstGraceNanos = burstGrace.toNanos();
    this.sender = sender;
    this.results = results;
    this.maxInFlight = settings.maxInFlight();
    this.floor = settings.endpointFloor();
    this.cap = settings.endpointMax();
    this.maxQueued = settings.maxQueued();
    this.burstPerAccount = Math.max(1, settings.maxQueued() / BURST_SHARE);
    this.maxQueuedChars = settings.maxQueuedChars();
    this.timeoutSeconds = settings.timeout().toNanos() / 1e9;
    this.leaseNanos = settings.lease().toNanos();
    this.horizonSeconds = leaseNanos / 4 / 1e9;
    this.unproven = new UnprovenSlots(maxInFlight);
    this.accountSlots = new AccountSlots(maxInFlight);
  }

  /**
   * Takes the jobs it can start soon, leased just now, and returns the rest, whose leases the caller should
   * release. A job it holds already (claimed again after its lease ran out) is not taken twice.
   */
  public List<DeliveryJob> offer(List<DeliveryJob> jobs) {
    return offer(jobs, System.nanoTime());
  }

  /** As {@link #offer(List)}, for jobs leased no later than {@code leasedAtNanos} ({@link System#nanoTime}). */
  public List<DeliveryJob> offer(List<DeliveryJob> jobs, long leasedAtNanos) {
    List<DeliveryJob> refused = new ArrayList<>();
    synchronized (lock) {
      long now = System.nanoTime();
      long startBy = leasedAtNanos + leaseNanos / 2;
      for (DeliveryJob job : jobs) {
        Held known = held.get(job.deliveryId());
        if (known != null) {
          known.startByNanos = Math.max(known.startByNanos, startBy);
          continue;
        }
        if (deleted.contains(job.webhookId())) {
          refused.add(job);
          continue;
        }
        EndpointLane lane = lanes.computeIfAbsent(job.accountId() + "\n" + endpoints.of(job.url()), k -> {
          EndpointLane l = new EndpointLane(k, job.accountId(), now);
          lanesByAccount.computeIfAbsent(l.accountId, a -> new HashSet<>()).add(l);
          return l;
        });
        boolean full = queued >= maxQueued || queuedChars + chars(job) > maxQueuedChars;
        queueWanted |= full;
        boolean earned = lane.held() < maxHeld(lane, now);
        if (!accepting || full || !earned && !mayBurst(lane)) {
          refused.add(job);
          lane.rememberRefused(job.webhookId());
          continue;
        }
        if (!earned) {
          lane.burstTaken(now, burstGraceNanos);
        }
        Held h = new Held(job, lane, startBy);
        lane.waiting.add(h);
        hold(h);
        queued++;
        queuedChars += chars(job);
        markReady(lane, now);
      }
    }
    pump();
    return refused;
  }

  /**
   * Drops the waiting jobs of a deleted webhook and refuses its jobs from now on; attempts already started
   * finish (their outcomes find no delivery and change nothing).
   */
  public void dropWebhook(String webhookId) {
    synchronized (lock) {
      deleted.add(webhookId);
      for (EndpointLane lane : lanes.values()) {
        lane.refusedWebhooks.remove(webhookId);
        lane.waiting.removeIf(h -> {
          if (h.job.webhookId().equals(webhookId)) {
            forget(h);
            return true;
          }
          return false;
        });
      }
    }
  }

  /** The webhooks that have jobs waiting here. */
  public Set<String> waitingWebhookIds() {
    Set<String> ids = new HashSet<>();
    synchronized (lock) {
      lanes.values().forEach(lane -> lane.waiting.forEach(h -> ids.add(h.job.webhookId())));
    }
    return ids;
  }

  /**
   * How many more jobs with this much event data each (at least a character) it would take now in all (each lane
   * takes fewer). Asked while half full or more, it wakes {@link #awaitRoom} once the queue has drained to half, so
   * what was left in the database is claimed then.
   */
  public int freeCapacity(int dataChars) {
    synchronized (lock) {
      if (2 * queued >= maxQueued || 2 * queuedChars >= maxQueuedChars) {
        queueWanted = true;
      }
      long byChars = (maxQueuedChars - queuedChars) / Math.max(1, dataChars);
      return accepting ? (int) Math.max(0, Math.min(maxQueued - queued, byChars)) : 0;
    }
  }

  /** Whether the queue has drained to half since someone wanted room in it (the flag is then cleared). */
  private boolean queueDrained() {
    if (queueWanted && 2 * queued < maxQueued && 2 * queuedChars < maxQueuedChars) {
      queueWanted = false;
      return true;
    }
    return false;
  }

  /** How many attempts are in flight now. */
  public int inFlight() {
    synchronized (lock) {
      return inFlight;
    }
  }

  /** How many jobs wait here, not yet started. */
  public int queued() {
    synchronized (lock) {
      return queued;
    }
  }

  /** Attempts of one account in flight (bounded by {@link AccountSlots}). */
  int inFlightOf(String accountId) {
    synchronized (lock) {
      return accountSlots.inFlight(accountId);
    }
  }

  /** Lanes let go from the line for an unproven slot by attempts' ends so far (the work those ends did). */
  long unprovenLetGo() {
    synchronized (lock) {
      return unproven.letGo();
    }
  }

  /** How many of those are to lanes without a 2xx answer lately (bounded by {@link UnprovenSlots}). */
  public int unprovenInFlight() {
    synchronized (lock) {
      return unproven.inFlight();
    }
  }

  /**
   * Up to {@link #MAX_FULL_NAMED} of one account's webhooks whose lanes are full (of every account's for a null
   * account): claiming or handing over their deliveries now would only be refused. Bounded, so many full lanes
   * cannot make each publish or claim slower (the claim compares every row with the list); a webhook left out is
   * only taken and given back.
   */
  public String[] fullWebhooks(String accountId) {
    synchronized (lock) {
      Collection<EndpointLane> of = accountId == null ? lanes.values() : lanesByAccount.getOrDefault(accountId, Set.of());
      return fullWebhooks(of, MAX_FULL_NAMED);
    }
  }

  private String[] fullWebhooks(Collection<EndpointLane> of, int max) {
    long now = System.nanoTime();
    Set<String> full = new HashSet<>();
    for (EndpointLane lane : of) {
      if (lane.held() >= maxHeld(lane, now)) {
        for (String w : lane.refusedWebhooks) {
          if (full.size() >= max) {
            return full.toArray(String[]::new);
          }
          full.add(w);
        }
      }
    }
    return full.toArray(String[]::new);
  }

  /**
   * Gives up what should wait in the database instead: jobs a lane holds beyond what it now earns (its endpoint
   * stopped answering) and jobs that can no longer start within their lease. Returns them for their leases to be
   * released; also forgets lanes idle for a while.
   */
  public List<DeliveryJob> trim() {
    List<DeliveryJob> out;
    boolean room = false;
    boolean letGo;
    synchronized (lock) {
      out = new ArrayList<>(stale);
      stale.clear();
      long now = System.nanoTime();
      // Lanes in line for an unproven slot are checked again (the ends let go of the first in line only).
      List<EndpointLane> waitingForUnproven = unproven.release();
      waitingForUnproven.forEach(l -> markReady(l, now));
      letGo = !waitingForUnproven.isEmpty();
      for (Iterator<EndpointLane> it = lanes.values().iterator(); it.hasNext(); ) {
        EndpointLane lane = it.next();
        // Only a lane holding twice its share gives back (down to its share): a rate that wobbles causes no churn.
        int max = maxHeld(lane, now);
        if (lane.held() > 2 * max && !lane.inBurstGrace(now)) {
          while (lane.held() > max && !lane.waiting.isEmpty()) {
            Held h = lane.waiting.pollLast();
            forget(h);
            out.add(h.job);
            lane.rememberRefused(h.job.webhookId());
          }
        }
        lane.waiting.removeIf(h -> {
          if (now - h.startByNanos > 0) {
            forget(h);
            out.add(h.job);
            return true;
          }
          return false;
        });
        room |= checkRoom(lane, now);
        if (lane.held() == 0 && lane.refusedWebhooks.isEmpty() && now - lane.idleSinceNanos > LANE_MEMORY_NANOS) {
          it.remove();
          Set<EndpointLane> ofAccount = lanesByAccount.get(lane.accountId);
          ofAccount.remove(lane);
          if (ofAccount.isEmpty()) {
            lanesByAccount.remove(lane.accountId);
          }
        }
      }
    }
    if (room) {
      signalRoom();
    }
    if (letGo) {
      pump();
    }
    return out;
  }

  /** Waits up to the timeout for a lane that refused jobs to have room again. */
  public void awaitRoom(long timeoutMillis) throws InterruptedException {
    synchronized (roomLock) {
      if (!roomSignalled) {
        roomLock.wait(timeoutMillis);
      }
      roomSignalled = false;
    }
  }

  private void signalRoom() {
    synchronized (roomLock) {
      roomSignalled = true;
      roomLock.notifyAll();
    }
  }

  private int maxHeld(EndpointLane lane, long now) {
    return lane.maxHeld(now, floor, cap, timeoutSeconds, horizonSeconds);
  }

  /**
   * Whether a lane that refused jobs has room again (half its share free, so a claim is worth it); if so its
   * backlog may be claimed from the database.
   */
  private boolean checkRoom(EndpointLane lane, long now) {
    if (!lane.refusedWebhooks.isEmpty() && lane.held() <= maxHeld(lane, now) / 2) {
      lane.refusedWebhooks.clear();
      return true;
    }
    return false;
  }

  private static long chars(DeliveryJob job) {
    return job.dataJson() == null ? 0 : job.dataJson().length();
  }

  /**
   * Whether a lane may take one more job than it earned: its account holds less than its burst share, and the lane
   * has refused or given back nothing since it was last half empty (an endpoint that stopped answering gets no
   * second burst).
   */
  private boolean mayBurst(EndpointLane lane) {
    return lane.refusedWebhooks.isEmpty() && heldByAccount.getOrDefault(lane.accountId, 0) < burstPerAccount;
  }

  private void hold(Held h) {
    held.put(h.job.deliveryId(), h);
    heldByAccount.merge(h.lane.accountId, 1, Integer::sum);
  }

  /** Forgets a job held (waiting or in flight). */
  private void release(Held h) {
    held.remove(h.job.deliveryId());
    heldByAccount.computeIfPresent(h.lane.accountId, (a, n) -> n == 1 ? null : n - 1);
  }

  /** Jobs held by one account, waiting and in flight. */
  int heldBy(String accountId) {
    synchronized (lock) {
      return heldByAccount.getOrDefault(accountId, 0);
    }
  }

  private void forget(Held h) {
    release(h);
    queued--;
    queuedChars -= chars(h.job);
    if (h.lane.held() == 0) {
      h.lane.idleSinceNanos = System.nanoTime();
    }
  }

  private void markReady(EndpointLane lane, long now) {
    if (!lane.ready && !lane.heldBack && !lane.waiting.isEmpty()
        && lane.inFlight < lane.maxInFlight(now, floor, cap, timeoutSeconds)) {
      lane.ready = true;
      ArrayDeque<EndpointLane> account = readyByAccount.get(lane.accountId);
      if (account == null) {
        account = new ArrayDeque<>();
        readyByAccount.put(lane.accountId, account);
        readyAccounts.add(lane.accountId);
      }
      account.add(lane);
    }
  }

  /**
   * Starts what the free slots allow. An attempt that fails at once (a blocked or invalid URL) reports on this
   * thread, and its end pumps again: that pump only asks this one to go round once more, instead of nesting a
   * level per such job (thousands of them overflowed the stack, and the jobs after were never sent nor counted
   * ended).
   */
  private void pump() {
    Pumping p = pumping.get();
    if (p.active) {
      p.again = true;
      return;
    }
    p.active = true;
    try {
      do {
        p.again = false;
        pumpOnce();
      } while (p.again);
    } finally {
      p.active = false;
    }
  }

  /** Whether this thread is pumping already, and whether it was asked to go round again. */
  private static final class Pumping {
    boolean active;
    boolean again;
  }

  private void pumpOnce() {
    List<Held> start = new ArrayList<>();
    synchronized (lock) {
      long now = System.nanoTime();
      while (inFlight < maxInFlight && !readyAccounts.isEmpty()) {
        String accountId = readyAccounts.poll();
        if (!accountSlots.mayStart(accountId, inFlight)) {
          continue; // at its share: out of the turns, its lanes still ready, until one of its attempts ends
        }
        ArrayDeque<EndpointLane> account = readyByAccount.get(accountId);
        EndpointLane lane = account.poll();
        lane.ready = false;
        boolean unprovenLane = lane.unproven(now);
        Held h = unprovenLane && !lane.waiting.isEmpty() && !unproven.mayStart(lane) ? null : lane.waiting.poll();
        if (h != null) {
          if (now - h.startByNanos > 0) {
            forget(h);
            stale.add(h.job);
          } else {
            queued--;
            queuedChars -= chars(h.job);
            h.started = true;
            if (unprovenLane) {
              h.unproven = true;
              unproven.started(lane.accountId);
            }
            accountSlots.started(lane.accountId);
            lane.inFlight++;
            inFlight++;
            start.add(h);
          }
          markReady(lane, now);
        }
        if (account.isEmpty()) {
          readyByAccount.remove(accountId);
        } else {
          readyAccounts.add(accountId);
        }
      }
    }
    for (Held h : start) {
      try {
        sender.send(h.job, result -> finished(h, result));
      } catch (RuntimeException e) {
        finished(h, new AttemptResult(Instant.now(), Duration.ZERO, 0, "",
            "Could not send: " + e.getClass().getSimpleName() + ": " + e.getMessage(), null));
      }
    }
  }

  private void finished(Held h, AttemptResult result) {
    // Without the event data: the outcome may wait in the result writer's queue, bounded by count only.
    results.accept(Outcome.of(h.job.withDataJson(null), result));
    boolean room;
    synchronized (lock) {
      long now = System.nanoTime();
      inFlight--;
      h.lane.inFlight--;
      release(h);
      if (h.unproven) {
        unproven.ended(h.lane.accountId, l -> {
          markReady(l, now);
          return l.ready;
        });
      }
      for (String back : accountSlots.ended(h.lane.accountId)) {
        if (readyByAccount.containsKey(back)) {
          readyAccounts.add(back); // it waited at its share: its turn back
        }
      }
      if (result.delivered()) {
        h.lane.succeeded(now);
      }
      if (h.lane.held() == 0) {
        h.lane.idleSinceNanos = now;
      }
      markReady(h.lane, now);
      if (h.lane.held() <= maxHeld(h.lane, now) / 2) {
        h.lane.burstEnded();
      }
      room = checkRoom(h.lane, now) | queueDrained();
      lock.notifyAll();
    }
    if (room) {
      signalRoom();
    }
    pump();
  }

  /** Stops taking and starting jobs; returns those not started, whose leases the caller should release at once. */
  public List<DeliveryJob> stopAccepting() {
    List<DeliveryJob> unstarted = new ArrayList<>();
    synchronized (lock) {
      accepting = false;
      unstarted.addAll(stale);
      stale.clear();
      for (EndpointLane lane : lanes.values()) {
        for (Held h : lane.waiting) {
          unstarted.add(h.job);
          release(h);
        }
        queued -= lane.waiting.size();
        lane.waiting.forEach(h -> queuedChars -= chars(h.job));
        lane.waiting.clear();
      }
      readyAccounts.clear();
      readyByAccount.clear();
      lanes.values().forEach(l -> l.ready = false);
      unproven.release();
      accountSlots.release();
    }
    return unstarted;
  }

  /**
   * Waits until the attempts in flight finish or the deadline ({@link System#nanoTime}) passes; returns those still
   * running then (whose leases the caller should release: their outcomes will find them released and change nothing).
   */
  public List<DeliveryJob> awaitIdle(long deadlineNanos) throws InterruptedException {
    synchronized (lock) {
      long left;
      while (inFlight > 0 && (left = deadlineNanos - System.nanoTime()) > 0) {
        lock.wait(Math.max(1, left / 1_000_000));
      }
      // After stopAccepting, only started jobs are held.
      return held.values().stream().map(h -> h.job).toList();
    }
  }
}
