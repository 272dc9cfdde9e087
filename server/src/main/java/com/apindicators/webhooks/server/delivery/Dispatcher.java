package com.apindicators.webhooks.server.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
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
 * Sends leased deliveries with bounded concurrency overall and per endpoint (scheme, host, port), taking
 * endpoints round-robin so a slow or hanging endpoint holds at most its own share of the slots.
 */
public final class Dispatcher {
  private static final int MAX_REMEMBERED_DELETES = 10_000;
  private final HttpSender sender;
  private final Consumer<Outcome> results;
  private final int maxInFlight;
  private final int maxPerEndpoint;
  private final int maxQueued;
  private final Object lock = new Object();
  private final Map<String, Endpoint> endpoints = new HashMap<>();
  private final ArrayDeque<Endpoint> ready = new ArrayDeque<>();
  // Recently deleted webhooks: a claim read before the delete committed may still be offered after it.
  private final Set<String> deleted = Collections.newSetFromMap(new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > MAX_REMEMBERED_DELETES;
    }
  });
  private int inFlight;
  private int queued;
  private boolean accepting = true;

  /** The jobs waiting for and holding slots at one endpoint. */
  private static final class Endpoint {
    final String key;
    final ArrayDeque<DeliveryJob> waiting = new ArrayDeque<>();
    int inFlight;
    boolean isReady;

    Endpoint(String key) {
      this.key = key;
    }
  }

  /**
   * @param maxQueued how many jobs may wait here; beyond it offers are refused and the poller claims them later
   */
  public Dispatcher(HttpSender sender, Consumer<Outcome> results, int maxInFlight, int maxPerEndpoint, int maxQueued) {
    this.sender = sender;
    this.results = results;
    this.maxInFlight = maxInFlight;
    this.maxPerEndpoint = maxPerEndpoint;
    this.maxQueued = maxQueued;
  }

  /** Takes the jobs it has room for and returns the rest, whose leases the caller should release. */
  public List<DeliveryJob> offer(List<DeliveryJob> jobs) {
    List<DeliveryJob> refused = new ArrayList<>();
    synchronized (lock) {
      for (DeliveryJob job : jobs) {
        if (!accepting || queued >= maxQueued || deleted.contains(job.webhookId())) {
          refused.add(job);
          continue;
        }
        Endpoint e = endpoints.computeIfAbsent(job.endpoint(), Endpoint::new);
        e.waiting.add(job);
        queued++;
        markReady(e);
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
      for (Iterator<Endpoint> it = endpoints.values().iterator(); it.hasNext(); ) {
        Endpoint e = it.next();
        int before = e.waiting.size();
        e.waiting.removeIf(job -> job.webhookId().equals(webhookId));
        queued -= before - e.waiting.size();
        if (e.waiting.isEmpty() && e.isReady) {
          ready.remove(e);
          e.isReady = false;
        }
        if (e.waiting.isEmpty() && e.inFlight == 0) {
          it.remove();
        }
      }
    }
  }

  /** The webhooks that have jobs waiting here. */
  public Set<String> waitingWebhookIds() {
    Set<String> ids = new HashSet<>();
    synchronized (lock) {
      endpoints.values().forEach(e -> e.waiting.forEach(job -> ids.add(job.webhookId())));
    }
    return ids;
  }

  /** How many more jobs it would take now. */
  public int freeCapacity() {
    synchronized (lock) {
      return accepting ? maxQueued - queued : 0;
    }
  }

  /** How many attempts are in flight now. */
  public int inFlight() {
    synchronized (lock) {
      return inFlight;
    }
  }

  private void markReady(Endpoint e) {
    if (!e.isReady && !e.waiting.isEmpty() && e.inFlight < maxPerEndpoint) {
      e.isReady = true;
      ready.add(e);
    }
  }

  private void pump() {
    List<DeliveryJob> start = new ArrayList<>();
    synchronized (lock) {
      while (inFlight < maxInFlight && !ready.isEmpty()) {
        Endpoint e = ready.poll();
        e.isReady = false;
        DeliveryJob job = e.waiting.poll();
        queued--;
        e.inFlight++;
        inFlight++;
        start.add(job);
        markReady(e);
      }
    }
    for (DeliveryJob job : start) {
      try {
        sender.send(job, result -> finished(job, result));
      } catch (RuntimeException e) {
        finished(job, new AttemptResult(java.time.Instant.now(), java.time.Duration.ZERO, 0, "",
            "Could not send: " + e.getClass().getSimpleName() + ": " + e.getMessage(), null));
      }
    }
  }

  private void finished(DeliveryJob job, AttemptResult result) {
    results.accept(Outcome.of(job, result));
    synchronized (lock) {
      inFlight--;
      Endpoint e = endpoints.get(job.endpoint());
      e.inFlight--;
      if (e.inFlight == 0 && e.waiting.isEmpty()) {
        endpoints.remove(e.key);
      } else {
        markReady(e);
      }
      lock.notifyAll();
    }
    pump();
  }

  /**
   * Stops taking jobs, returns those not started (to release their leases), and waits up to the timeout
   * for the attempts in flight to finish.
   */
  public List<DeliveryJob> shutdown(long timeoutMillis) throws InterruptedException {
    List<DeliveryJob> unstarted = new ArrayList<>();
    synchronized (lock) {
      accepting = false;
      for (Endpoint e : endpoints.values()) {
        unstarted.addAll(e.waiting);
        queued -= e.waiting.size();
        e.waiting.clear();
      }
      ready.clear();
      long deadline = System.currentTimeMillis() + timeoutMillis;
      while (inFlight > 0 && System.currentTimeMillis() < deadline) {
        lock.wait(Math.max(1, deadline - System.currentTimeMillis()));
      }
    }
    return unstarted;
  }
}
