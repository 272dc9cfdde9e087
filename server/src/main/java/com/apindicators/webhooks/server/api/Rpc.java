package com.apindicators.webhooks.server.api;

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
      log.error("Unexpected failure in a call", e);
      observer.onError(Errors.internal());
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }
}
