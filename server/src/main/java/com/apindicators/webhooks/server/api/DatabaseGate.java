package com.apindicators.webhooks.server.api;

import com.google.rpc.Code;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.util.function.BooleanSupplier;

/**
 * Answers UNAVAILABLE at once while the database is known to be unreachable, instead of letting each call wait for
 * a connection; health and reflection pass, so probes and load balancers still get their answer.
 */
public final class DatabaseGate implements ServerInterceptor {
  private final BooleanSupplier databaseUp;

  public DatabaseGate(BooleanSupplier databaseUp) {
    this.databaseUp = databaseUp;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (databaseUp.getAsBoolean() || AuthInterceptor.isOpen(call.getMethodDescriptor())) {
      return next.startCall(call, headers);
    }
    StatusRuntimeException s = unavailable();
    call.close(s.getStatus(), s.getTrailers());
    return new ServerCall.Listener<>() {};
  }

  /** The status every call gets while the database cannot be reached. */
  static StatusRuntimeException unavailable() {
    return Errors.of(Code.UNAVAILABLE, "DATABASE_UNAVAILABLE",
        "The service cannot reach its database just now; nothing was changed. Retry with backoff.");
  }
}
