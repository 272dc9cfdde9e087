package com.apindicators.webhooks.server.registry;

import com.apindicators.webhooks.server.store.Conflicts;
import com.apindicators.webhooks.server.store.SqlErrors;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes webhooks with their deliveries, in short steps that take turns fairly between tenants, marking each webhook
 * so that publishes leave it alone meanwhile (see {@link #delete}).
 */
public final class WebhookDeletes {
  /** Deliveries deleted per transaction before a webhook itself is. */
  public static final int DELETE_CHUNK = 1000;
  /**
   * Delete steps (a chunk, or the webhook row) that may work at once in this process. Deleting a webhook with a long
   * history takes one database connection per chunk, many chunks; without a bound, a tenant deleting many such
   * webhooks at once held every pooled connection and other tenants' calls answered UNAVAILABLE. Besides, each
   * account deletes one webhook at a time ({@link DeleteTurns}).
   */
  public static final int MAX_CONCURRENT_DELETES = 2;
  /**
   * How long each step's mark keeps publishes away from the webhook ({@link WebhookDao#markDeleting}). It outlasts a
   * step's waits for locks ({@link #LOCK_WAIT}) several times over; a wait for the next step's permit can outlast it
   * (many big deletes at once), and then publishes reach the webhook again until the next step marks it anew. A
   * delete that stops clears its mark; one whose process ended leaves it to run out.
   */
  public static final Duration DELETE_MARK = Duration.ofMinutes(2);
  /**
   * The longest a step waits for the webhook's row ({@code lock_timeout}); then it gives its permit back and goes
   * back into line. The row is held by the publishes in progress (and, briefly, a change of the webhook): a publish
   * that outlasts the mark, or a change held open, cannot keep a permit from other tenants.
   */
  public static final Duration LOCK_WAIT = Duration.ofSeconds(30);
  private static final Logger log = LoggerFactory.getLogger(WebhookDeletes.class);
  /** What a step returns when the webhook is gone (deleted by another call or process). */
  private static final int GONE = -1;
  /** What a step returns when it waited {@link #lockWait} for the webhook's row: it is to be run again. */
  private static final int AGAIN = -2;
  private final DeleteTurns turns = new DeleteTurns(MAX_CONCURRENT_DELETES);
  private final Jdbi jdbi;
  private final Consumer<String> deleted;
  private final Duration lockWait;

  WebhookDeletes(Jdbi jdbi, Consumer<String> deleted, Duration lockWait) {
    this.jdbi = jdbi;
    this.deleted = deleted;
    this.lockWait = lockWait;
  }

  /**
   * Deletes the webhook and its deliveries; false if there was none. The deliveries go first, {@link #DELETE_CHUNK}
   * at a time without waiting for rows the result writer holds; the webhook row's cascade then has only those few
   * left, so it rarely meets the writer (which locks deliveries in its own order), and a deadlock it does meet is run
   * again. Each step first marks the webhook ({@link #DELETE_MARK}), so publishes that start after it neither make
   * deliveries for it (the chunks come to an end) nor lock it (the last step waits only for those in progress).
   *
   * <p>It waits for the account's turn (one delete per account at a time), and for a process-wide permit before each
   * step ({@link #MAX_CONCURRENT_DELETES}). Once {@code stopped} says so (the caller cancelled or its deadline
   * passed), it stops while waiting or before its next step, clears its mark, and throws: the deliveries deleted so
   * far stay deleted, the webhook and the rest remain until a delete finishes.
   */
  boolean delete(String webhookId, String accountId, BooleanSupplier stopped) throws DeleteStoppedException {
    Runnable turn = turns.accountTurn(accountId, stopped);
    if (turn == null) {
      throw new DeleteStoppedException(0);
    }
    boolean found;
    AtomicReference<String> mark = new AtomicReference<>();
    try {
      found = steps(webhookId, accountId, mark, stopped);
    } catch (DeleteStoppedException | RuntimeException e) {
      if (mark.get() != null) {
        unmark(webhookId, accountId, mark.get());
      }
      throw e;
    } finally {
      turn.run();
    }
    if (found) {
      deleted.accept(webhookId);
    }
    return found;
  }

  private boolean steps(String webhookId, String accountId, AtomicReference<String> mark, BooleanSupplier stopped)
      throws DeleteStoppedException {
    long gone = 0;
    int n;
    do {
      n = step(webhookId, accountId, mark, stopped, gone,
          h -> h.attach(WebhookDao.class).deleteSomeDeliveries(webhookId, DELETE_CHUNK));
      gone += Math.max(n, 0);
    } while (n == DELETE_CHUNK || n == AGAIN);
    if (n == GONE) {
      return false;
    }
    do {
      n = step(webhookId, accountId, mark, stopped, gone, h -> h.attach(WebhookDao.class).delete(webhookId));
    } while (n == AGAIN);
    return n > 0;
  }

  /**
   * One step under a process-wide permit: the webhook's mark renewed (committed on its own, and kept in
   * {@code mark}), then the work in a transaction of its own. Each waits at most {@link #lockWait} for a lock, else
   * {@link #AGAIN}; {@link #GONE} if the webhook is gone; throws if stopped first.
   */
  private int step(String webhookId, String accountId, AtomicReference<String> mark, BooleanSupplier stopped,
      long deletedSoFar, HandleCallback<Integer, RuntimeException> work) throws DeleteStoppedException {
    if (stopped.getAsBoolean() || !turns.step(stopped)) {
      throw new DeleteStoppedException(deletedSoFar);
    }
    try {
      long markMs = DELETE_MARK.toMillis();
      Optional<String> marked =
          waitingAtMost(h -> h.attach(WebhookDao.class).markDeleting(webhookId, accountId, markMs));
      if (marked.isEmpty()) {
        return GONE;
      }
      mark.set(marked.get());
      return waitingAtMost(work);
    } catch (RuntimeException e) {
      if (SqlErrors.LOCK_NOT_AVAILABLE.equals(SqlErrors.state(e))) {
        return AGAIN;
      }
      throw e;
    } finally {
      turns.endStep();
    }
  }

  /** The work in a transaction whose lock waits end after {@link #lockWait} ({@code lock_timeout}). */
  private <R> R waitingAtMost(HandleCallback<R, RuntimeException> work) {
    return Conflicts.inTransaction(jdbi, h -> {
      setLockTimeout(h, lockWait);
      return work.withHandle(h);
    });
  }

  /**
   * Clears the webhook's mark after a delete stopped or failed, so that it takes events again at once, unless another
   * delete (in another process) has marked it since. Best effort: waiting at most a second for its row; otherwise the
   * mark runs out by itself.
   */
  private void unmark(String webhookId, String accountId, String mark) {
    try {
      jdbi.useTransaction(h -> {
        setLockTimeout(h, Duration.ofSeconds(1));
        h.attach(WebhookDao.class).unmarkDeleting(webhookId, accountId, mark);
      });
    } catch (RuntimeException e) {
      log.warn("Could not clear the delete's mark of webhook {}; it runs out within {}: {}", webhookId, DELETE_MARK,
          SqlErrors.of(e).map(Throwable::getMessage).orElse(e.toString()));
    }
  }

  private static void setLockTimeout(Handle h, Duration wait) {
    h.createQuery("SELECT set_config('lock_timeout', :ms, true)").bind("ms", wait.toMillis() + "ms")
        .mapTo(String.class).one();
  }

  /** Deletes waiting for their account's turn (another delete of the account is running). */
  int waitingForAccount() {
    return turns.waitingForAccount();
  }

  /** Deletes waiting for a process-wide permit for their next step. */
  int waitingForPermit() {
    return turns.waitingForStep();
  }
}
