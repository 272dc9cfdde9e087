package com.apindicators.webhooks.server.registry;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A few permits handed out strictly first come, first served, to waiters that give up when their caller stops.
 * Unlike a fair {@link java.util.concurrent.Semaphore} polled with a timeout, a waiter keeps its place in the line
 * while it looks whether to give up.
 */
final class FairPermits {
  /** How often a waiter looks whether its caller stopped. */
  static final long STOP_CHECK_MILLIS = 100;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Object> line = new ArrayDeque<>();
  private int free;

  FairPermits(int permits) {
    this.free = permits;
  }

  /**
   * Waits for a permit in turn; false (without one) once {@code stopped} says so or the thread is interrupted (its
   * interrupt kept). A permit taken goes back with {@link #release()}.
   */
  boolean acquire(BooleanSupplier stopped) {
    Object ticket = new Object();
    lock.lock();
    try {
      line.addLast(ticket);
      boolean acquired = false;
      try {
        while (line.peekFirst() != ticket || free == 0) {
          if (stopped.getAsBoolean()) {
            return false;
          }
          changed.await(STOP_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
        free--;
        acquired = true;
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } finally {
        line.remove(ticket);
        if (!acquired || free > 0) {
          changed.signalAll(); // the next in line may go now
        }
      }
    } finally {
      lock.unlock();
    }
  }

  void release() {
    lock.lock();
    try {
      free++;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waiters in line. */
  int waiting() {
    lock.lock();
    try {
      return line.size();
    } finally {
      lock.unlock();
    }
  }
}
