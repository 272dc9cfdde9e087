package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.security.ApiKeys;
import com.apindicators.webhooks.server.security.Caller;
import com.apindicators.webhooks.server.security.KeyLookupsBusyException;
import com.google.rpc.Code;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.Optional;

/** Requires {@code authorization: Bearer <api key>} on every call but health and reflection, and puts the caller in the Context. */
public final class AuthInterceptor implements ServerInterceptor {
  static final Context.Key<Caller> CALLER = Context.key("webhooks-caller");
  /** The ErrorInfo reason of a call refused because the key lookups were all taken. */
  static final String AUTH_BUSY = "AUTH_BUSY";
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private final ApiKeys keys;

  public AuthInterceptor(ApiKeys keys) {
    this.keys = keys;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (isOpen(call.getMethodDescriptor())) {
      return next.startCall(call, headers);
    }
    String header = headers.get(AUTHORIZATION);
    Optional<Caller> caller;
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return refuse(call, "MISSING_API_KEY",
          "This call needs an API key: send the metadata 'authorization: Bearer <api key>' (the server wrote its first admin key to <data-dir>/admin.key).");
    }
    try {
      caller = keys.authenticate(header.substring(7).strip());
    } catch (KeyLookupsBusyException e) {
      StatusRuntimeException s = Errors.of(Code.UNAVAILABLE, AUTH_BUSY, "The server is busy checking other API keys"
          + " (at most " + e.limit() + " keys it has not seen lately are looked up at once); retry with exponential"
          + " backoff. A key that was accepted lately is not held up by this.",
          Map.of("limit", String.valueOf(e.limit())));
      call.close(s.getStatus(), s.getTrailers());
      return new ServerCall.Listener<>() {};
    } catch (RuntimeException e) {
      StatusRuntimeException s = Errors.of(Code.UNAVAILABLE, "AUTH_UNAVAILABLE", "Could not check the API key just now; try again.");
      call.close(s.getStatus(), s.getTrailers());
      return new ServerCall.Listener<>() {};
    }
    if (caller.isEmpty()) {
      return refuse(call, "INVALID_API_KEY", "The API key is not valid or was revoked; ask an admin for a new one.");
    }
    return Contexts.interceptCall(Context.current().withValue(CALLER, caller.get()), call, headers, next);
  }

  /** Health and reflection, which anyone may call without a key. */
  static boolean isOpen(MethodDescriptor<?, ?> method) {
    String service = method.getServiceName();
    return service != null && (service.startsWith("grpc.health.") || service.startsWith("grpc.reflection."));
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String reason, String message) {
    StatusRuntimeException s = Errors.of(Code.UNAUTHENTICATED, reason, message);
    call.close(s.getStatus(), s.getTrailers());
    return new ServerCall.Listener<>() {};
  }
}
