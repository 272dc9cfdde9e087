package com.apindicators.webhooks.server.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Sends leased deliveries with bounded concurrency overall and per endpoint (scheme, host, port), taking
 * endpoints round-robin so a slow or hanging endpoint holds at most its own share of the slots.
 */
public final class Dispatcher {
  private final HttpSender sender;
  private final Consumer<Outcome> results;
  private final int maxInFlight;
  private final int maxPerEndpoint;
  private final int maxQueued;
  private final Object lock = new Object();
  private final Map<String, Endpoint> endpoints = new HashMap<>();
  private final ArrayDeque<Endpoint> ready = new ArrayDeque<>();
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

  public Dispatcher(HttpSender sender, Consumer<Outcome> results, DeliveryEngine.Settings settings) {
    this.sender = sender;
    this.results = results;
    this.maxInFlight = settings.maxInFlight();
    this.maxPerEndpoint = settings.endpointMax();
    this.maxQueued = settings.maxQueued();
  }

  /** Takes the jobs it has room for and returns the rest, whose leases the caller should release. */
  public List<DeliveryJob> offer(List<DeliveryJob> jobs) {
    List<DeliveryJob> refused = new ArrayList<>();
    synchronized (lock) {
      for (DeliveryJob job : jobs) {
        if (!accepting || queued >= maxQueued) {
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
