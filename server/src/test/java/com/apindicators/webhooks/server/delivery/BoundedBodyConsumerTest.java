package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.junit.jupiter.api.Test;

/** A response body is kept byte for byte up to the cap, in whatever chunks it arrives, and cut there. */
class BoundedBodyConsumerTest {
  private static final int CAP = HttpSender.MAX_RESPONSE_BODY_BYTES;

  @Test
  void bodiesOfEverySizeUpToTheCapAreKeptWholeWhateverTheChunks() throws Exception {
    for (int size : new int[] {0, 1, 511, 512, 513, 5_000, CAP - 1, CAP}) {
      for (int chunk : new int[] {1, 700, 8192, CAP}) {
        String body = "é" .repeat(size / 4) + "x".repeat(size - 2 * (size / 4));
        assertThat(body.getBytes(StandardCharsets.UTF_8)).hasSize(size);
        List<BoundedBodyConsumer.Result> full = new ArrayList<>();
        BoundedBodyConsumer c = new BoundedBodyConsumer(CAP, full::add);
        c.start(new BasicHttpResponse(200), null);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        for (int at = 0; at < bytes.length; at += chunk) {
          c.data(ByteBuffer.wrap(bytes, at, Math.min(chunk, bytes.length - at)), false);
        }
        assertThat(c.buildResult().body()).as("size %d in chunks of %d", size, chunk).isEqualTo(body);
        assertThat(full).isEmpty();
      }
    }
  }

  @Test
  void aBodyPastTheCapIsCutThereReportedOnceAndNotReadOn() throws Exception {
    List<BoundedBodyConsumer.Result> full = new ArrayList<>();
    BoundedBodyConsumer c = new BoundedBodyConsumer(CAP, full::add);
    c.start(new BasicHttpResponse(500), null);
    byte[] chunk = "y".repeat(3000).getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> {
      for (int i = 0; i < 100; i++) {
        c.data(ByteBuffer.wrap(chunk), false);
      }
    }).isInstanceOf(IOException.class);
    assertThat(full).hasSize(1);
    assertThat(full.get(0).code()).isEqualTo(500);
    assertThat(full.get(0).body()).startsWith("y".repeat(CAP)).hasSizeGreaterThanOrEqualTo(CAP);
    assertThatThrownBy(() -> c.data(ByteBuffer.wrap(chunk), false)).isInstanceOf(IOException.class);
  }
}
