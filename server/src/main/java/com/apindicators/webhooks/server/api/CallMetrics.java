package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.config.Metrics;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts every gRPC call by service, method, type and status code, and times it. Interceptors run only for
 * methods the server has, so a caller naming made-up methods cannot add series (those end UNIMPLEMENTED
 * before any interceptor). A call the client cancels counts as CANCELLED.
 */
public final class CallMetrics implements ServerInterceptor {
  private final Metrics metrics;

  public CallMetrics(Metrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    MethodDescriptor<Q, R> method = call.getMethodDescriptor();
    String service = String.valueOf(method.getServiceName());
    String name = String.valueOf(method.getBareMethodName());
    String type = method.getType().name();
    long start = System.nanoTime();
    AtomicBoolean ended = new AtomicBoolean();
    java.util.function.Consumer<Status.Code> record = code -> {
      if (ended.compareAndSet(false, true)) {
        metrics.callHandled(service, name, type, code.name(), (System.nanoTime() - start) / 1e9);
      }
    };
    metrics.callStarted(service, name, type);
    ServerCall<Q, R> counted = new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        record.accept(status.getCode());
        super.close(status, trailers);
      }
    };
    return new SimpleForwardingServerCallListener<>(next.startCall(counted, headers)) {
      @Override
      public void onCancel() {
        record.accept(Status.Code.CANCELLED);
        super.onCancel();
      }
    };
  }
}
