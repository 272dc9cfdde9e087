package com.apindicators.webhooks.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.server.store.Database;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Live keys are remembered briefly: never past a revocation, never with the wrong secret, never without bound. */
class ApiKeyMemoryTest {
  @Test
  void aRememberedKeyStillNeedsItsSecretAndARevocationElsewhereEndsItWithinTheMemoryTime() {
    Database db = TestDatabase.clean();
    ApiKeys here = new ApiKeys(db.jdbi());
    ApiKeys otherProcess = new ApiKeys(db.jdbi());
    ApiKeys.Created key = here.create("acct-a", "k");
    assertThat(here.authenticate(key.apiKey())).get().extracting(Caller::accountId).isEqualTo("acct-a");

    // An attacker who knows the key id (it is listed) but not the secret gets nothing from the memory.
    String forged = key.keyId() + "_" + "A".repeat(43);
    assertThat(here.authenticate(forged)).isEmpty();

    otherProcess.revoke(key.keyId());
    await().atMost(ApiKeys.REMEMBER.plusSeconds(3)).pollInterval(Duration.ofMillis(50))
        .until(() -> here.authenticate(key.apiKey()).isEmpty());
    // Revoked in this very process: at once, however recently it was used.
    ApiKeys.Created second = here.create("acct-a", "k2");
    assertThat(here.authenticate(second.apiKey())).isPresent();
    here.revoke(second.keyId());
    assertThat(here.authenticate(second.apiKey())).isEmpty();
  }

  @Test
  void manyLiveKeysDoNotGrowTheMemoryPastItsBound() {
    Database db = TestDatabase.clean();
    int bound = 20; // the production bound is ApiKeys.MAX_REMEMBERED; the mechanism is the same
    ApiKeys keys = new ApiKeys(db.jdbi(), bound);
    ApiKeys.Created first = keys.create("acct-b", "first");
    for (int i = 0; i < bound * 3; i++) {
      assertThat(keys.authenticate(i == 0 ? first.apiKey() : keys.create("acct-b", "k" + i).apiKey())).isPresent();
      assertThat(keys.rememberedCount()).isBetween(1, bound);
    }
    assertThat(keys.authenticate(first.apiKey())).isPresent();
  }
}
