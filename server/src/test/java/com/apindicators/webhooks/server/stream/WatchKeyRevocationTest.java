package com.apindicators.webhooks.server.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.WatchClient;
import com.apindicators.webhooks.server.api.StreamsByKey;
import com.apindicators.webhooks.server.security.ApiKeys;
import com.apindicators.webhooks.v1.WatchDeliveriesRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A revoked key's watch streams end within a check ({@link StreamsByKey#CHECK_EVERY}): the key was checked only when
 * a stream opened, so a leaked key went on streaming its account's deliveries after the revoke for as long as its
 * client stayed connected. Another key of the same account streams on.
 */
class WatchKeyRevocationTest {
  @Test
  void aRevokedKeysStreamsEndAndAnotherKeysStreamGoesOn() throws Exception {
    try (GrpcTestServer server = GrpcTestServer.start()) {
      Fixtures admin = new Fixtures(server.channel);
      admin.webhook("acme", "http://127.0.0.1:9/hook", "signal.buy");
      ApiKeys.Created leaked = server.apiKeys.create("acme", "leaked");
      WatchDeliveriesRequest all = WatchDeliveriesRequest.getDefaultInstance();
      try (WatchClient byLeaked = WatchClient.open(GrpcTestServer.withKey(server.raw, leaked.apiKey()), all);
          WatchClient byLeakedToo = WatchClient.open(GrpcTestServer.withKey(server.raw, leaked.apiKey()), all);
          WatchClient byKept = WatchClient.open(server.channelForAccount("acme"), all)) {
        await().until(() -> server.server.watchers() == 3);
        assertThat(server.apiKeys.revoke(leaked.keyId())).isTrue();

        await().atMost(StreamsByKey.CHECK_EVERY.plus(Duration.ofSeconds(10)))
            .until(() -> byLeaked.error.get() != null && byLeakedToo.error.get() != null);
        StatusAssert ended = new StatusAssert((StatusRuntimeException) byLeaked.error.get());
        assertThat(ended.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(ended.reason()).isEqualTo("API_KEY_REVOKED");
        await().until(() -> server.server.watchers() == 1);

        admin.publish("signal.buy", "{}", "acme");
        await().atMost(Duration.ofSeconds(10)).until(() -> !byKept.received.isEmpty());
        assertThat(byKept.error.get()).isNull();
        assertThat(byLeaked.received).isEmpty();
      }
    }
  }
}
