package com.apindicators.webhooks.server.store;

import java.util.concurrent.ThreadLocalRandom;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a transaction again when PostgreSQL aborted it to break a deadlock (40P01) or a serialization conflict
 * (40001). Both roll the whole transaction back, so running it again is safe; the other side has gone on by then.
 * A delete of a webhook, for one, cascades through rows the result writer may be updating in another order. A
 * publish, which waits for the webhooks it goes to while a delete holds one, runs again too: defensively, as no lock
 * order of ours is known to make it part of a cycle.
 */
public final class Conflicts {
  /** Tries in all before the conflict is the caller's error. */
  public static final int MAX_TRIES = 4;
  private static final Logger log = LoggerFactory.getLogger(Conflicts.class);

  private Conflicts() {}

  /** The callback's result in one transaction, tried up to {@link #MAX_TRIES} times while it conflicts. */
  public static <R, X extends Exception> R inTransaction(Jdbi jdbi, HandleCallback<R, X> callback) throws X {
    return retrying(() -> jdbi.inTransaction(callback));
  }

  /**
   * The callback's result on a handle in autocommit, tried up to {@link #MAX_TRIES} times while it conflicts: for a
   * callback whose one statement (or one round trip of statements) is its transaction, such as a publish without key.
   */
  public static <R, X extends Exception> R withHandle(Jdbi jdbi, HandleCallback<R, X> callback) throws X {
    return retrying(() -> jdbi.withHandle(callback));
  }

  /** One try of a transaction. */
  private interface Attempt<R, X extends Exception> {
    R run() throws X;
  }

  private static <R, X extends Exception> R retrying(Attempt<R, X> transaction) throws X {
    for (int attempt = 1; ; attempt++) {
      try {
        return transaction.run();
      } catch (RuntimeException e) {
        if (attempt >= MAX_TRIES || !isConflict(e)) {
          throw e;
        }
        // The database's message only: the statement's own (a JDBI exception's) carries its bound values, which
        // for a publish are a tenant's event data.
        log.info("Transaction aborted by a conflict (attempt {} of {}), running it again: {}", attempt, MAX_TRIES,
            SqlErrors.of(e).map(s -> s.getSQLState() + " " + s.getMessage()).orElse(e.getClass().getName()));
        pause(attempt);
      }
    }
  }

  /** Whether PostgreSQL aborted the transaction to break a deadlock or a serialization conflict. */
  public static boolean isConflict(Throwable e) {
    String state = SqlErrors.state(e);
    return "40P01".equals(state) || "40001".equals(state);
  }

  /** A short random wait, longer each time, so the two sides do not meet again in step. */
  private static void pause(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(10, 50L * attempt));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to run a transaction again", e);
    }
  }
}
