package com.apindicators.webhooks.server.delivery;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.concurrent.locks.Lock;
import org.apache.hc.core5.function.Decorator;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.Command;
import org.apache.hc.core5.reactor.IOEventHandler;
import org.apache.hc.core5.reactor.IOSession;
import org.apache.hc.core5.util.Timeout;

/**
 * Bounds what an endpoint may send on a connection for one request: at most {@link #MAX_BYTES} read after each
 * request written; one more byte fails the read, and with it the exchange, closing the connection. The answer's other
 * bounds (header lines and fields, the body kept) are checked as it is parsed, but a chunked body's framing is read
 * whole before any of its data is handed on: one-byte chunks, each with 8 KiB of chunk extensions (which the parser
 * skips), made the client parse 128 MiB on an I/O thread, which every tenant's sends share, before the 16 KiB kept
 * were complete (0.45-0.9 s of that thread's CPU an attempt).
 *
 * <p>Writing at least {@link #REQUEST_BYTES} between two reads starts a new request's budget: every attempt's request
 * is larger, while what TLS writes on its own in answer to the endpoint (a key update) is smaller, so an endpoint
 * cannot renew its budget that way.
 */
final class AnswerBudget implements Decorator<IOSession> {
  /** An answer's header section (at most about 800 KiB), the body kept, and room for any framing. */
  static final long MAX_BYTES = 2L * 1024 * 1024;
  /** The smallest write taken for a request: an attempt's request line and signature headers alone are larger. */
  static final int REQUEST_BYTES = 256;

  @Override
  public IOSession decorate(IOSession session) {
    return new Budgeted(session);
  }

  /** The endpoint sent more than {@link #MAX_BYTES} in answer to one request. */
  static final class Exceeded extends IOException {
    Exceeded() {
      super("The endpoint sent more than " + MAX_BYTES + " bytes in answer to one request; not read further");
    }
  }

  /** A connection whose reads since its last request are counted. */
  private static final class Budgeted implements IOSession {
    private final IOSession session;
    /** Bytes read since the last request was written, and written since the last read (I/O thread only). */
    private long read;
    private long written;

    Budgeted(IOSession session) {
      this.session = session;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      int n = session.read(dst);
      if (n > 0) {
        written = 0;
        read += n;
        if (read > MAX_BYTES) {
          throw new Exceeded();
        }
      }
      return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = session.write(src);
      written += n;
      if (written >= REQUEST_BYTES) {
        read = 0;
      }
      return n;
    }

    @Override
    public String getId() {
      return session.getId();
    }

    @Override
    public IOEventHandler getHandler() {
      return session.getHandler();
    }

    @Override
    public void upgrade(IOEventHandler handler) {
      session.upgrade(handler);
    }

    @Override
    public Lock getLock() {
      return session.getLock();
    }

    @Override
    public void enqueue(Command command, Command.Priority priority) {
      session.enqueue(command, priority);
    }

    @Override
    public boolean hasCommands() {
      return session.hasCommands();
    }

    @Override
    public Command poll() {
      return session.poll();
    }

    @Override
    public ByteChannel channel() {
      return session.channel();
    }

    @Override
    public SocketAddress getRemoteAddress() {
      return session.getRemoteAddress();
    }

    @Override
    public SocketAddress getLocalAddress() {
      return session.getLocalAddress();
    }

    @Override
    public int getEventMask() {
      return session.getEventMask();
    }

    @Override
    public void setEventMask(int ops) {
      session.setEventMask(ops);
    }

    @Override
    public void setEvent(int op) {
      session.setEvent(op);
    }

    @Override
    public void clearEvent(int op) {
      session.clearEvent(op);
    }

    @Override
    public void close() {
      session.close();
    }

    @Override
    public void close(CloseMode mode) {
      session.close(mode);
    }

    @Override
    public boolean isOpen() {
      return session.isOpen();
    }

    @Override
    public Status getStatus() {
      return session.getStatus();
    }

    @Override
    public Timeout getSocketTimeout() {
      return session.getSocketTimeout();
    }

    @Override
    public void setSocketTimeout(Timeout timeout) {
      session.setSocketTimeout(timeout);
    }

    @Override
    public long getLastReadTime() {
      return session.getLastReadTime();
    }

    @Override
    public long getLastWriteTime() {
      return session.getLastWriteTime();
    }

    @Override
    public long getLastEventTime() {
      return session.getLastEventTime();
    }

    @Override
    public void updateReadTime() {
      session.updateReadTime();
    }

    @Override
    public void updateWriteTime() {
      session.updateWriteTime();
    }

    @Override
    public String toString() {
      return session.toString();
    }
  }
}
