package com.apindicators.webhooks.server.delivery;

import java.nio.ByteBuffer;
import org.apache.hc.client5.http.async.methods.AbstractBinResponseConsumer;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpResponse;

/** Keeps a response's status, two headers and at most the first 16 KiB of its body; the rest is read and dropped. */
final class BoundedBodyConsumer extends AbstractBinResponseConsumer<BoundedBodyConsumer.Result> {
  /** What was kept of a response. */
  record Result(int code, String location, String retryAfter, String body) {}

  private final int cap;
  private final ByteBuffer kept;
  private HttpResponse response;
  private boolean cut;

  BoundedBodyConsumer(int cap) {
    this.cap = cap;
    this.kept = ByteBuffer.allocate(cap);
  }

  @Override
  protected void start(HttpResponse response, ContentType contentType) {
    this.response = response;
  }

  @Override
  protected int capacityIncrement() {
    return cap;
  }

  @Override
  protected void data(ByteBuffer src, boolean endOfStream) {
    int n = Math.min(src.remaining(), kept.remaining());
    cut |= n < src.remaining();
    if (n > 0) {
      ByteBuffer slice = src.slice();
      slice.limit(n);
      kept.put(slice);
    }
    src.position(src.limit());
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
