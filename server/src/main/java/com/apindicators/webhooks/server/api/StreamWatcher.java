package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.delivery.DeliveryChange;
import com.apindicators.webhooks.server.stream.Watcher;
import com.apindicators.webhooks.v1.WatchDeliveriesResponse;
import com.google.rpc.Code;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;

/**
 * One WatchDeliveries stream: a bounded buffer drained only while gRPC says the client is ready, so a client
 * that stops reading costs at most the buffer, and is cut off when it overflows.
 */
final class StreamWatcher implements Watcher {
  private final ServerCallStreamObserver<WatchDeliveriesResponse> observer;
  private final int capacity;
  private final Responses responses;
  private final StreamSenders senders;
  private String account = "";
  private boolean queued;
  private final ArrayDeque<WatchDeliveriesResponse> buffer = new ArrayDeque<>();
  private boolean ended;
  private Runnable onRoom = () -> { };
  private Runnable onEnd = () -> { };

  StreamWatcher(ServerCallStreamObserver<WatchDeliveriesResponse> observer, int capacity, Responses responses,
      StreamSenders senders) {
    this.observer = observer;
    this.capacity = capacity;
    this.responses = responses;
    this.senders = senders;
    observer.setOnReadyHandler(this::drain);
  }

  @Override
  public synchronized boolean offer(DeliveryChange change) {
    if (ended) {
      return true;
    }
    if (buffer.size() >= capacity) {
      return false;
    }
    buffer.add(responses.of(change));
    // Sent by the senders, not on the caller's (the change feed's) thread.
    if (!queued && observer.isReady()) {
      queued = true;
      senders.ready(account, this);
    }
    return true;
  }

  /**
   * Builds each change's message once for all watchers: the hub hands one change to every matching watcher
   * in turn, so remembering the last one built is enough.
   */
  static final class Responses {
    private record Built(long changeId, WatchDeliveriesResponse response) {}

    private final ResumeTokens tokens;
    private volatile Built last;

    Responses(ResumeTokens tokens) {
      this.tokens = tokens;
    }

    WatchDeliveriesResponse of(DeliveryChange change) {
      Built b = last;
      if (b != null && b.changeId() == change.changeId()) {
        return b.response();
      }
      WatchDeliveriesResponse.Builder r = WatchDeliveriesResponse.newBuilder()
          .setDelivery(ProtoMapper.delivery(change.delivery()))
          .setResumeToken(tokens.token(change.changeId()));
      if (change.webhookDisabled() != null) {
        r.setWebhookDisabled(ProtoMapper.webhookDisabled(change.delivery().webhookId(), change.webhookDisabled()));
      }
      Built built = new Built(change.changeId(), r.build());
      last = built;
      return built.response();
    }
  }

  synchronized void drain() {
    queued = false;
    while (!ended && !buffer.isEmpty() && observer.isReady()) {
      observer.onNext(buffer.poll());
    }
    onRoom.run();
  }

  /** The account this stream watches (null: every account), whose turn its sends take. */
  synchronized void account(String accountId) {
    account = accountId == null ? "" : accountId;
  }

  /** What to call when the client took updates (a replay continues); must not block. */
  synchronized void onRoom(Runnable r) {
    onRoom = r;
  }

  /** What to call once when the stream ends from this side. */
  synchronized void onEnd(Runnable r) {
    onEnd = r;
  }

  @Override
  public synchronized int room() {
    return ended ? 0 : capacity - buffer.size();
  }

  @Override
  public synchronized void fellBehind() {
    end(Errors.of(Code.RESOURCE_EXHAUSTED, "WATCH_FELL_BEHIND", "This watch fell more than " + capacity
        + " updates behind and was ended; reconnect with the last resume_token you received to get every update"
        + " you missed."));
  }

  @Override
  public synchronized void replayFailed() {
    end(Errors.of(Code.UNAVAILABLE, "REPLAY_FAILED", "Reading the updates you missed failed; reconnect with the"
        + " same resume_token to try again."));
  }

  @Override
  public synchronized void replayOutlived() {
    end(Errors.of(Code.OUT_OF_RANGE, "RESUME_TOKEN_EXPIRED", "Updates this watch had not replayed yet were removed"
        + " by the change log's retention while it replayed; start a new watch without a token and read missed"
        + " deliveries with ListDeliveries."));
  }

  @Override
  public synchronized void serverStopping() {
    end(Errors.of(Code.UNAVAILABLE, "SERVER_STOPPING", "The server is shutting down; reconnect (to any server)"
        + " with the last resume_token you received to continue without a gap."));
  }

  synchronized void fail(RuntimeException status) {
    end(status);
  }

  synchronized boolean ended() {
    return ended;
  }

  private void end(RuntimeException status) {
    if (ended) {
      return;
    }
    ended = true;
    buffer.clear();
    onEnd.run();
    if (!observer.isCancelled()) {
      try {
        observer.onError(status);
      } catch (IllegalStateException alreadyClosed) {
        // the call ended meanwhile
      }
    }
  }
}
