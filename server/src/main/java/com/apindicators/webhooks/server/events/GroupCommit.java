package com.apindicators.webhooks.server.events;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * Runs concurrent calls' work together, a batch per statement, with no thread of its own. A caller that finds one of
 * the {@code maxRunning} slots free runs a batch at once: its own input and the oldest waiting ones, up to
 * {@code maxBatch} inputs and {@code maxWeight} in all (its own always). Other callers wait; each batch that ends
 * hands its slot to the oldest waiting caller, which runs the next batch. A lone caller runs alone, without waiting.
 *
 * <p>One input cannot fail the others: when a batch of several fails with an error {@code alone} accepts (nothing
 * written: the data's own fault, or a conflict that aborted it), each input of it is run again alone, and only the
 * failing ones fail. A call cancelled while it waits (its client gone, its deadline passed) is left out of the
 * batches and fails with {@link CancellationException}.
 */
final class GroupCommit<I, O> {
  /** Does a batch's work: one output per input, in their order. */
  interface Work<I, O> {
    List<O> run(List<I> batch);
  }

  private final Work<I, O> work;
  private final int maxRunning;
  private final int maxBatch;
  private final ToIntFunction<I> weight;
  private final long maxWeight;
  private final Predicate<RuntimeException> alone;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Call> waiting = new ArrayDeque<>();
  private int running;

  GroupCommit(Work<I, O> work, int maxRunning, int maxBatch, ToIntFunction<I> weight, long maxWeight,
      Predicate<RuntimeException> alone) {
    if (maxRunning < 1 || maxBatch < 1 || maxWeight < 1) {
      throw new IllegalArgumentException("maxRunning, maxBatch and maxWeight must be positive");
    }
    this.work = work;
    this.maxRunning = maxRunning;
    this.maxBatch = maxBatch;
    this.weight = weight;
    this.maxWeight = maxWeight;
    this.alone = alone;
  }

  /** One caller's input, and what became of it. Guarded by {@link #lock}. */
  private final class Call {
    final I input;
    final BooleanSupplier cancelled;
    final Condition changed = lock.newCondition();
    boolean lead;
    boolean done;
    O output;
    RuntimeException error;

    Call(I input, BooleanSupplier cancelled) {
      this.input = input;
      this.cancelled = cancelled;
    }
  }

  /**
   * Runs {@code input} in a batch and returns its output, or throws its batch's (or its own) error.
   *
   * @param cancelled whether the caller gave up; asked before the call is taken into a batch
   */
  O run(I input, BooleanSupplier cancelled) {
    Call me = new Call(input, cancelled);
    lock.lock();
    try {
      if (running < maxRunning) {
        running++;
        me.lead = true;
      } else {
        waiting.add(me);
        while (!me.lead && !me.done) {
          me.changed.awaitUninterruptibly();
        }
      }
    } finally {
      lock.unlock();
    }
    if (me.lead) {
      lead(me);
    }
    if (me.error != null) {
      throw me.error;
    }
    return me.output;
  }

  /** Waiting calls now: what the next batches will take. */
  int waiting() {
    lock.lock();
    try {
      return waiting.size();
    } finally {
      lock.unlock();
    }
  }

  /** Runs one batch led by {@code me}, then hands the slot to the oldest waiting call, if any. */
  private void lead(Call me) {
    try {
      List<Call> batch = take(me);
      try {
        if (!batch.isEmpty()) {
          execute(batch);
        }
      } finally {
        finish(batch);
      }
    } finally {
      lock.lock();
      try {
        Call next = waiting.poll();
        if (next == null) {
          running--;
        } else {
          next.lead = true;
          next.changed.signal();
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * {@code me} and the oldest waiting calls that fit, none cancelled: a cancelled one is done at once, with its
   * error.
   */
  private List<Call> take(Call me) {
    List<Call> batch = new ArrayList<>();
    long total = 0;
    lock.lock();
    try {
      if (!abandon(me)) {
        batch.add(me);
        total = weight.applyAsInt(me.input);
      }
      for (Iterator<Call> it = waiting.iterator(); it.hasNext() && batch.size() < maxBatch; ) {
        Call c = it.next();
        if (abandon(c)) {
          it.remove();
          continue;
        }
        int w = weight.applyAsInt(c.input);
        if (!batch.isEmpty() && total + w > maxWeight) {
          break;
        }
        total += w;
        batch.add(c);
        it.remove();
      }
    } finally {
      lock.unlock();
    }
    return batch;
  }

  /** Whether {@code c} was cancelled; if so, it is done (with its error) and its caller woken. Under the lock. */
  private boolean abandon(Call c) {
    if (!c.cancelled.getAsBoolean()) {
      return false;
    }
    c.error = new CancellationException("the call was cancelled before its batch ran; nothing was stored");
    c.done = true;
    c.changed.signal();
    return true;
  }

  private void execute(List<Call> batch) {
    try {
      List<O> out = work.run(batch.stream().map(c -> c.input).toList());
      if (out.size() != batch.size()) {
        throw new IllegalStateException("a batch of " + batch.size() + " gave " + out.size() + " results");
      }
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).output = out.get(i);
      }
    } catch (RuntimeException e) {
      if (batch.size() == 1 || !alone.test(e)) {
        batch.forEach(c -> c.error = e);
        return;
      }
      for (Call c : batch) {
        try {
          c.output = work.run(List.of(c.input)).get(0);
        } catch (RuntimeException own) {
          c.error = own;
        }
      }
    }
  }

  /** Marks the batch's calls done (with an error if they got no output) and wakes their callers. */
  private void finish(List<Call> batch) {
    lock.lock();
    try {
      for (Call c : batch) {
        if (c.output == null && c.error == null) {
          c.error = new IllegalStateException("the batch ended without a result for this call");
        }
        c.done = true;
        c.changed.signal();
      }
    } finally {
      lock.unlock();
    }
  }
}
