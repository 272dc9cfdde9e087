package com.apindicators.webhooks.client;

import com.apindicators.webhooks.v1.DeliveryServiceGrpc;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import com.apindicators.webhooks.v1.WatchDeliveriesResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A delivery watch that resumes from its last token after every disconnect until closed. */
public final class Watch implements AutoCloseable {
  /** Statuses after which reconnecting with the token continues the stream. */
  private static final Set<Status.Code> RESUMABLE = EnumSet.of(Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED,
      Status.Code.INTERNAL, Status.Code.UNKNOWN, Status.Code.DEADLINE_EXCEEDED, Status.Code.CANCELLED, Status.Code.ABORTED);
  private final DeliveryServiceGrpc.DeliveryServiceStub stub;
  private final WatchDeliveriesRequest request;
  private final Consumer<WatchDeliveriesResponse> onUpdate;
  private final Consumer<Throwable> onError;
  private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "watch-resume");
    t.setDaemon(true);
    return t;
  });
  private final Object lock = new Object();
  private volatile String token;
  private volatile boolean closed;
  private Context.CancellableContext current;
  private long backoffMs = 100;

  Watch(DeliveryServiceGrpc.DeliveryServiceStub stub, WatchDeliveriesRequest request,
      Consumer<WatchDeliveriesResponse> onUpdate, Consumer<Throwable> onError) {
    this.stub = stub;
    this.request = request;
    this.onUpdate = onUpdate;
    this.onError = onError;
    this.token = request.getResumeToken();
    open();
  }

  /** The token of the last update the consumer has taken; pass it to a later watch to continue from there. */
  public String lastToken() {
    return token;
  }

  /** Starts a stream from the current token; under the lock, so close() either prevents it or cancels it. */
  private void open() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      Context.CancellableContext ctx = Context.current().withCancellation();
      current = ctx;
      ctx.run(() -> stub.watchDeliveries(request.toBuilder().setResumeToken(token).build(), new StreamObserver<>() {
        @Override
        public void onNext(WatchDeliveriesResponse r) {
          backoffMs = 100;
          onUpdate.accept(r);
          // Only once the consumer took it: if it threw, the stream is cancelled and resumes before this update.
          token = r.getResumeToken();
        }

        @Override
        public void onError(Throwable t) {
          if (closed) {
            return;
          }
          if (RESUMABLE.contains(Status.fromThrowable(t).getCode())) {
            reopenLater();
            backoffMs = Math.min(5000, backoffMs * 2);
          } else {
            onError.accept(t);
          }
        }

        @Override
        public void onCompleted() {
          reopenLater();
        }
      }));
    }
  }

  private void reopenLater() {
    synchronized (lock) {
      if (!closed) {
        retries.schedule(this::open, backoffMs, TimeUnit.MILLISECONDS);
      }
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      if (current != null) {
        current.cancel(null);
      }
      retries.shutdownNow();
    }
  }
}
