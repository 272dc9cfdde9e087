package com.apindicators.webhooks.server.delivery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.apache.hc.client5.http.async.methods.AbstractBinResponseConsumer;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Keeps a response's status, two headers and at most the first 16 KiB of its body. When the body goes past that,
 * it hands over what it kept at once ({@code whenFull}) and fails the exchange, which closes the connection: an
 * endless body is not read on. Cancelling the request's future does not stop the reading, so an abandoned exchange
 * (its deadline passed) is failed the same way at its next bytes. At most {@link #MAX_INFORMATIONAL} informational
 * answers are taken before the final one.
 */
final class BoundedBodyConsumer extends AbstractBinResponseConsumer<BoundedBodyConsumer.Result> {
  /** What was kept of a response. */
  record Result(int code, String location, String retryAfter, String body) {}

  /**
   * Informational (1xx) answers taken before the final one; one more fails the exchange, closing the connection. An
   * endpoint sending them without end otherwise kept one of the HTTP client's I/O threads, which every tenant's
   * sends share, busy parsing them until the attempt's deadline.
   */
  static final int MAX_INFORMATIONAL = 10;
  /** The first buffer for a body; most answers have none or a short one, so the cap is not allocated up front. */
  private static final int FIRST_BUFFER = 512;
  private final int cap;
  private ByteBuffer kept = ByteBuffer.allocate(0);
  private volatile HttpResponse response;
  private final Consumer<Result> whenFull;
  private boolean cut;
  private volatile int informational;
  private volatile boolean abandoned;

  BoundedBodyConsumer(int cap, Consumer<Result> whenFull) {
    this.cap = cap;
    this.whenFull = whenFull;
  }

  @Override
  protected void start(HttpResponse response, ContentType contentType) {
    this.response = response;
  }

  @Override
  public void informationResponse(HttpResponse response, HttpContext context) throws HttpException {
    if (abandoned || ++informational > MAX_INFORMATIONAL) {
      throw new ProtocolException("The endpoint sent more than " + MAX_INFORMATIONAL + " informational (1xx) answers"
          + " before its final one");
    }
  }

  @Override
  protected int capacityIncrement() {
    return cap;
  }

  /** Whether the endpoint answered anything (a final or an informational head) to this exchange. */
  boolean heardBack() {
    return response != null || informational > 0;
  }

  /** Makes the exchange fail at its next bytes (its answer was reported already), closing the connection. */
  void abandon() {
    abandoned = true;
  }

  @Override
  protected void data(ByteBuffer src, boolean endOfStream) throws IOException {
    if (cut || abandoned) {
      throw new IOException("response abandoned: past the kept body or the deadline");
    }
    if (src.remaining() > kept.remaining() && kept.capacity() < cap) {
      grow(src.remaining());
    }
    int n = Math.min(src.remaining(), kept.remaining());
    if (n > 0) {
      ByteBuffer slice = src.slice();
      slice.limit(n);
      kept.put(slice);
    }
    cut = n < src.remaining();
    src.position(src.limit());
    if (cut) {
      whenFull.accept(buildResult());
      throw new IOException("response body past the " + cap + " bytes kept; not read further");
    }
  }

  /** Room for {@code more} bytes, doubling, up to the cap. */
  private void grow(int more) {
    int size = Math.max(FIRST_BUFFER, kept.capacity());
    while (size < kept.position() + more && size < cap) {
      size *= 2;
    }
    ByteBuffer bigger = ByteBuffer.allocate(Math.min(size, cap));
    kept.flip();
    bigger.put(kept);
    kept = bigger;
  }

  @Override
  protected Result buildResult() {
    String body = StoredText.decodeUtf8(kept.array(), kept.position(), cut);
    return new Result(response.getCode(), header("Location"), header("Retry-After"), body);
  }

  private String header(String name) {
    Header h = response.getFirstHeader(name);
    return h == null ? null : h.getValue();
  }

  @Override
  public void releaseResources() {
    // nothing pooled
  }
}
