package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.store.DatabaseHealth;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Ends a unary call through its observer whatever happens, so no exception reaches a client as UNKNOWN. */
public final class Rpc {
  private static final Logger log = LoggerFactory.getLogger(Rpc.class);

  private Rpc() {}

  /** Sends the supplied response, or the status it failed with, or INTERNAL for an unexpected failure. */
  public static <T> void unary(StreamObserver<T> observer, Supplier<T> call) {
    T response;
    try {
      response = call.get();
    } catch (StatusRuntimeException e) {
      observer.onError(e);
      return;
    } catch (RuntimeException e) {
      observer.onError(failed(e));
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }

  /**
   * The status for an unexpected failure: UNAVAILABLE (logged in one line) when the database could not be reached,
   * which the caller can retry; else INTERNAL, logged with its stack.
   */
  static StatusRuntimeException failed(RuntimeException e) {
    if (DatabaseHealth.isConnectionFailure(e)) {
      log.warn("Call failed: database unreachable ({})", e.getMessage());
      return DatabaseGate.unavailable();
    }
    log.error("Unexpected failure in a call", e);
    return Errors.internal();
  }
}
