package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.registry.KeyQuota;
import com.apindicators.webhooks.server.security.Caller;
import com.google.rpc.Code;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the unary calls each account may have in progress at once on this process, all its API keys together (an
 * account given several keys gets no more), so one tenant's slow calls cannot park the threads and pooled database
 * connections every tenant shares; one more answers RESOURCE_EXHAUSTED at once. Streams (WatchDeliveries) have their
 * own bound ({@link WatchQuota}); admin keys, the operator's and the platform's own, are not limited. Runs after
 * {@link AuthInterceptor}, which puts the caller in the Context.
 *
 * <p>A slot is held until the call is closed, or its listener hears of its end: grpc-java runs listener callbacks
 * one at a time, so a cancel is heard only once the service method returned and its thread is free again.
 */
public final class CallQuota implements ServerInterceptor {
  /** The ErrorInfo reason of a refused call. */
  static final String REASON = "TOO_MANY_CALLS_IN_FLIGHT";
  private final KeyQuota quota;
  private final AtomicLong refused = new AtomicLong();

  public CallQuota(int perAccount) {
    this.quota = new KeyQuota(perAccount);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Caller caller = AuthInterceptor.CALLER.get();
    if (caller == null || caller.isAdmin() || call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.UNARY) {
      return next.startCall(call, headers);
    }
    Runnable release = quota.tryAcquire(caller.accountId());
    if (release == null) {
      refused.incrementAndGet();
      StatusRuntimeException s = tooMany(quota.perKey());
      call.close(s.getStatus(), s.getTrailers());
      return new ServerCall.Listener<>() {};
    }
    ServerCall<Q, R> counted = new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        // Before the client can hear the status, so its next call finds the slot free.
        release.run();
        super.close(status, trailers);
      }
    };
    ServerCall.Listener<Q> listener;
    try {
      listener = next.startCall(counted, headers);
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          release.run();
        }
      }

      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          release.run();
        }
      }
    };
  }

  static StatusRuntimeException tooMany(int perAccount) {
    return Errors.of(Code.RESOURCE_EXHAUSTED, REASON, "This account already has " + perAccount + " calls in progress"
        + " on this server, the most one account may have at once, all its API keys together (calls the client"
        + " cancelled or gave up on count until the server has finished them; WatchDeliveries streams are not"
        + " counted). Wait for one to answer, then retry with exponential backoff; or send fewer calls at once.",
        Map.of("limit", String.valueOf(perAccount)));
  }

  /** Unary calls of account keys in progress on this process. */
  public int inFlight() {
    return quota.total();
  }

  /** Calls refused so far for being over their account's limit. */
  public long refused() {
    return refused.get();
  }
}
