package com.apindicators.webhooks.server.delivery;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.WeakHashMap;
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
 * <p>A write that begins a request's head (its whole request line, {@link #beginsHead}: every attempt is a POST, and
 * a head is always written from its start) starts a new budget. Only what the HTTP layer writes is seen here (with TLS, before encryption): what TLS
 * writes on its own (handshakes, key updates) goes to the socket's session undecorated. Nor does the rest of a
 * request's body renew it: the client goes on sending a body after an early answer, and an endpoint reading that
 * body slowly would otherwise have renewed the budget with every write.
 * Over TLS the parser does not read the decrypted bytes through a session: they are handed to its handler's
 * {@code inputReady}, so the handler installed through a budgeted session is wrapped to count them.
 */
final class AnswerBudget implements Decorator<IOSession> {
  /** An answer's header section (at most about 800 KiB), the body kept, and room for any framing. */
  static final long MAX_BYTES = 2L * 1024 * 1024;
  /** How a request's head begins: every attempt is a POST. */
  private static final byte[] HEAD = {'P', 'O', 'S', 'T', ' '};
  /** How a request line ends. */
  private static final byte[] LINE_END = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
  /**
   * The longest request line looked for: a webhook's URL is at most 2,048 characters, each at most 9 bytes once
   * percent-encoded as UTF-8.
   */
  static final int MAX_LINE = 64 * 1024;

  /**
   * Each connection's count, by its socket session's id. With TLS the connection has two sessions, the socket's and
   * the TLS one over it, each decorated, and the TLS one gives the same id (the same string): both count here. Weak
   * keys: an entry goes once the socket session, which holds its id, is gone.
   */
  private final Map<String, Count> counts = new WeakHashMap<>();

  @Override
  public IOSession decorate(IOSession session) {
    Count count;
    synchronized (counts) {
      count = counts.computeIfAbsent(session.getId(), id -> new Count());
    }
    return new Budgeted(session, count);
  }

  /** Bytes read since the last request's head was written (the connection's I/O thread's alone). */
  private static final class Count {
    private long read;

    void read(int n) throws Exceeded {
      if (n > 0) {
        read += n;
        if (read > MAX_BYTES) {
          throw new Exceeded();
        }
      }
    }

    /** Before a write: one that begins a request's head starts the next request's budget. */
    void writing(ByteBuffer src) {
      if (beginsHead(src)) {
        read = 0;
      }
    }
  }

  /**
   * Whether the bytes from {@code src}'s position begin a request's head: {@code POST }, a target without spaces or
   * control characters, {@code  HTTP/1.1} and CRLF, the whole line within {@link #MAX_LINE} bytes. A write of a
   * body never does, wherever it starts in the body (an endpoint reading slowly decides where each write starts):
   * the body is JSON this server wrote, whose strings hold no raw CR or LF, and outside a string
   * {@code HTTP/1.1} is no JSON token. Checking {@code POST } alone let a body holding {@code "POST "} renew the
   * budget with every write that an endpoint aligned on it.
   */
  static boolean beginsHead(ByteBuffer src) {
    int start = src.position();
    int end = Math.min(src.limit(), start + MAX_LINE);
    if (end - start < HEAD.length) {
      return false;
    }
    for (int i = 0; i < HEAD.length; i++) {
      if (src.get(start + i) != HEAD[i]) {
        return false;
      }
    }
    int target = start + HEAD.length;
    int lineFeed = target;
    while (lineFeed < end && src.get(lineFeed) != '\n') {
      lineFeed++;
    }
    int targetEnd = lineFeed + 1 - LINE_END.length;
    if (lineFeed == end || targetEnd <= target) {
      return false;
    }
    for (int i = 0; i < LINE_END.length; i++) {
      if (src.get(targetEnd + i) != LINE_END[i]) {
        return false;
      }
    }
    for (int i = target; i < targetEnd; i++) {
      byte b = src.get(i);
      if (b >= 0 && b <= ' ' || b == 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** The endpoint sent more than {@link #MAX_BYTES} in answer to one request. */
  static final class Exceeded extends IOException {
    Exceeded() {
      super("The endpoint sent more than " + MAX_BYTES + " bytes in answer to one request; not read further");
    }
  }

  /** A connection's session whose reads and writes are counted. */
  private static final class Budgeted implements IOSession {
    private final IOSession session;
    private final Count count;

    Budgeted(IOSession session, Count count) {
      this.session = session;
      this.count = count;
    }

    /** Plain connections: the parser reads through here. */
    @Override
    public int read(ByteBuffer dst) throws IOException {
      int n = session.read(dst);
      count.read(n);
      return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      count.writing(src);
      return session.write(src);
    }

    @Override
    public String getId() {
      return session.getId();
    }

    @Override
    public IOEventHandler getHandler() {
      return session.getHandler();
    }

    /**
     * TLS connections: decrypted bytes are handed to the handler's {@code inputReady}, never read through this
     * session, so the handler installed through it is wrapped to count them. The connection's own view of its handler
     * (what the pool asks for the protocol and the endpoint) stays the unwrapped one: {@code InternalDataChannel}
     * keeps the handler it was given.
     */
    @Override
    public void upgrade(IOEventHandler handler) {
      session.upgrade(handler instanceof Counted ? handler : new Counted(handler));
    }

    /** A handler whose input is counted against this connection's budget. */
    private final class Counted implements IOEventHandler {
      private final IOEventHandler handler;

      Counted(IOEventHandler handler) {
        this.handler = handler;
      }

      @Override
      public void inputReady(IOSession s, ByteBuffer src) throws IOException {
        if (src != null) {
          count.read(src.remaining());
        }
        handler.inputReady(s, src);
      }

      @Override
      public void connected(IOSession s) throws IOException {
        handler.connected(s);
      }

      @Override
      public void outputReady(IOSession s) throws IOException {
        handler.outputReady(s);
      }

      @Override
      public void timeout(IOSession s, Timeout timeout) throws IOException {
        handler.timeout(s, timeout);
      }

      @Override
      public void exception(IOSession s, Exception cause) {
        handler.exception(s, cause);
      }

      @Override
      public void disconnected(IOSession s) {
        handler.disconnected(s);
      }
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
