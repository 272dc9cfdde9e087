package com.apindicators.webhooks.server;

import com.apindicators.webhooks.v1.DeliveryServiceGrpc;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import com.apindicators.webhooks.v1.WatchDeliveriesResponse;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** A real WatchDeliveries stream that records what it receives; optionally reads nothing at all. */
public final class WatchClient implements AutoCloseable {
  public final List<WatchDeliveriesResponse> received = new CopyOnWriteArrayList<>();
  public final AtomicReference<Throwable> error = new AtomicReference<>();
  public volatile boolean completed;
  private volatile ClientCallStreamObserver<WatchDeliveriesRequest> call;

  private WatchClient(DeliveryServiceGrpc.DeliveryServiceStub stub, WatchDeliveriesRequest request, boolean read) {
    stub.watchDeliveries(request, new ClientResponseObserver<WatchDeliveriesRequest, WatchDeliveriesResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<WatchDeliveriesRequest> requestStream) {
        call = requestStream;
        if (!read) {
          requestStream.disableAutoRequestWithInitial(0);
        }
      }

      @Override
      public void onNext(WatchDeliveriesResponse value) {
        received.add(value);
      }

      @Override
      public void onError(Throwable t) {
        error.set(t);
      }

      @Override
      public void onCompleted() {
        completed = true;
      }
    });
  }

  /** Opens a stream that reads everything. */
  public static WatchClient open(Channel channel, WatchDeliveriesRequest request) {
    return new WatchClient(DeliveryServiceGrpc.newStub(channel), request, true);
  }

  /** Opens a stream that reads everything until its deadline. */
  public static WatchClient openWithDeadline(Channel channel, WatchDeliveriesRequest request, long millis) {
    return new WatchClient(DeliveryServiceGrpc.newStub(channel).withDeadlineAfter(millis, TimeUnit.MILLISECONDS), request, true);
  }

  /** Opens a stream that never asks for a message. */
  public static WatchClient stalled(Channel channel, WatchDeliveriesRequest request) {
    return new WatchClient(DeliveryServiceGrpc.newStub(channel), request, false);
  }

  /** Starts reading a stalled stream: asks for every message. */
  public void read() {
    call.request(Integer.MAX_VALUE);
  }

  public String lastToken() {
    return received.get(received.size() - 1).getResumeToken();
  }

  @Override
  public void close() {
    call.cancel("test done", null);
  }
}
