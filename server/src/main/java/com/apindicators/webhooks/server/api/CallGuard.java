package com.apindicators.webhooks.server.api;

import com.google.protobuf.Message;
import com.google.rpc.Code;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps every method of a service so that no request reaches it unchecked and no failure leaves it unanswered:
 * a request that does not parse (invalid UTF-8 in a string, truncated bytes, nesting past protobuf's limit) or
 * holds too many entries in a repeated field answers INVALID_ARGUMENT, and an exception escaping the service
 * answers INTERNAL; each is logged in one line.
 *
 * <p>grpc-java parses a request before any interceptor sees it and answers a parse failure with UNKNOWN plus a
 * logged stack trace, so the request marshaller is replaced by one that turns a failure into a value, and the
 * listener answers it.
 */
public final class CallGuard {
  private static final Logger log = LoggerFactory.getLogger(CallGuard.class);

  private CallGuard() {}

  /** The service with every method guarded; its name and schema (for reflection) unchanged. */
  public static ServerServiceDefinition wrap(BindableService service) {
    ServerServiceDefinition definition = service.bindService();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    ServiceDescriptor original = definition.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
        .setSchemaDescriptor(original.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> m : definition.getMethods()) {
      ServerMethodDefinition<?, ?> guarded = guard(m);
      methods.add(guarded);
      descriptor.addMethod(guarded.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(b::addMethod);
    return b.build();
  }

  private static <Q, R> ServerMethodDefinition<Object, R> guard(ServerMethodDefinition<Q, R> definition) {
    MethodDescriptor<Q, R> method = definition.getMethodDescriptor();
    MethodDescriptor<Object, R> lenient =
        method.toBuilder(new LenientMarshaller<>(method.getRequestMarshaller()), method.getResponseMarshaller()).build();
    return ServerMethodDefinition.create(lenient, (call, headers) -> start(definition, call, headers));
  }

  private static <Q, R> ServerCall.Listener<Object> start(
      ServerMethodDefinition<Q, R> definition, ServerCall<Object, R> call, Metadata headers) {
    GuardedCall<Q, R> guarded = new GuardedCall<>(call, definition.getMethodDescriptor());
    try {
      return new GuardedListener<>(guarded, definition.getServerCallHandler().startCall(guarded, headers));
    } catch (RuntimeException e) {
      guarded.fail(e);
      return new ServerCall.Listener<>() {};
    }
  }

  /** A request that did not parse. */
  private record Unparsable(RuntimeException cause) {}

  /** Parses with the method's own marshaller, but returns a failure instead of throwing it. */
  private record LenientMarshaller<Q>(MethodDescriptor.Marshaller<Q> original) implements MethodDescriptor.Marshaller<Object> {
    @Override
    @SuppressWarnings("unchecked")
    public InputStream stream(Object value) {
      return original.stream((Q) value);
    }

    @Override
    public Object parse(InputStream stream) {
      try {
        return original.parse(stream);
      } catch (RuntimeException e) {
        return new Unparsable(e);
      }
    }
  }

  /** Checks each request before the service's listener gets it, and answers whatever the listener throws. */
  private static final class GuardedListener<Q> extends ServerCall.Listener<Object> {
    private final GuardedCall<Q, ?> call;
    private final ServerCall.Listener<Q> delegate;

    GuardedListener(GuardedCall<Q, ?> call, ServerCall.Listener<Q> delegate) {
      this.call = call;
      this.delegate = delegate;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onMessage(Object message) {
      if (call.isClosed()) {
        return;
      }
      if (message instanceof Unparsable u) {
        call.refuseMalformed(u.cause());
        return;
      }
      try {
        if (message instanceof Message m) {
          Violations v = new Violations();
          Fields.repeatedCounts(m, v);
          v.throwIfAny();
        }
      } catch (StatusRuntimeException e) {
        log.info("Refused a {} request: a repeated field has more than {} entries",
            call.getMethodDescriptor().getFullMethodName(), Fields.MAX_REPEATED);
        call.close(e.getStatus(), e.getTrailers());
        return;
      }
      run(() -> delegate.onMessage((Q) message));
    }

    @Override
    public void onHalfClose() {
      if (!call.isClosed()) {
        run(delegate::onHalfClose);
      }
    }

    @Override
    public void onReady() {
      if (!call.isClosed()) {
        run(delegate::onReady);
      }
    }

    @Override
    public void onCancel() {
      run(delegate::onCancel);
    }

    @Override
    public void onComplete() {
      run(delegate::onComplete);
    }

    private void run(Runnable step) {
      try {
        step.run();
      } catch (RuntimeException e) {
        call.fail(e);
      }
    }
  }

  /** The call as the service sees it: its original method descriptor, and closed at most once. */
  private static final class GuardedCall<Q, R> extends ServerCall<Q, R> {
    private final ServerCall<Object, R> call;
    private final MethodDescriptor<Q, R> method;
    private volatile boolean closed;

    GuardedCall(ServerCall<Object, R> call, MethodDescriptor<Q, R> method) {
      this.call = call;
      this.method = method;
    }

    boolean isClosed() {
      return closed;
    }

    void refuseMalformed(RuntimeException cause) {
      String what = cause.getCause() != null ? cause.getCause().getMessage() : cause.getMessage();
      log.info("Refused a malformed {} request: {}", method.getFullMethodName(), what);
      StatusRuntimeException s = Errors.of(Code.INVALID_ARGUMENT, "MALFORMED_REQUEST", "The request is not a valid "
          + requestType() + " (" + Fields.cut(String.valueOf(what), 200) + "). Send the bytes a protobuf library"
          + " serializes for this message of our .proto files: strings must be valid UTF-8, and a Struct nested at"
          + " most about 30 levels deep.", Map.of("method", method.getFullMethodName()));
      close(s.getStatus(), s.getTrailers());
    }

    /** Answers INTERNAL for an exception the service let escape, logged in one line without a stack trace. */
    void fail(RuntimeException e) {
      StackTraceElement[] trace = e.getStackTrace();
      log.error("{} failed: {}{}", method.getFullMethodName(), e, trace.length > 0 ? " at " + trace[0] : "");
      log.debug("Stack trace of the failure", e);
      StatusRuntimeException s = Errors.internal();
      close(s.getStatus(), s.getTrailers());
    }

    private String requestType() {
      if (method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> p
          && p.getMessagePrototype() instanceof Message m) {
        return m.getDescriptorForType().getFullName();
      }
      return "request for " + method.getFullMethodName();
    }

    @Override
    public void close(Status status, Metadata trailers) {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
      }
      try {
        call.close(status, trailers);
      } catch (IllegalStateException alreadyClosed) {
        // the transport ended the call meanwhile
      }
    }

    @Override
    public void request(int numMessages) {
      call.request(numMessages);
    }

    @Override
    public void sendHeaders(Metadata headers) {
      call.sendHeaders(headers);
    }

    @Override
    public void sendMessage(R message) {
      call.sendMessage(message);
    }

    @Override
    public boolean isReady() {
      return call.isReady();
    }

    @Override
    public boolean isCancelled() {
      return call.isCancelled();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      call.setMessageCompression(enabled);
    }

    @Override
    public void setCompression(String compressor) {
      call.setCompression(compressor);
    }

    @Override
    public void setOnReadyThreshold(int numBytes) {
      call.setOnReadyThreshold(numBytes);
    }

    @Override
    public io.grpc.SecurityLevel getSecurityLevel() {
      return call.getSecurityLevel();
    }

    @Override
    public io.grpc.Attributes getAttributes() {
      return call.getAttributes();
    }

    @Override
    public String getAuthority() {
      return call.getAuthority();
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
      return method;
    }
  }
}
