package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.registry.SecretRotation;
import com.apindicators.webhooks.server.security.SecretBox;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Which secrets an attempt is signed with after rotations: a job read before a rotation known here gets the newest
 * secret (and the replaced one beside it while it signs); a job read after, or of another webhook, keeps its own;
 * rotations learned out of order, twice, or resealed change nothing more; one account's flood of rotations fills only
 * its own share of the memory.
 */
class RotatedSecretsTest {
  private final SecretBox box = SecretBox.random();
  private final AtomicLong nanos = new AtomicLong();
  private final RotatedSecrets rotated = new RotatedSecrets(box, Duration.ofSeconds(60), nanos::get);
  private final Instant day = Instant.now().plus(Duration.ofHours(24));

  private DeliveryJob job(String webhookId, String secret, String previous) {
    return new DeliveryJob("dlv_1", webhookId, "acme", "http://127.0.0.1/", box.seal(secret),
        previous == null ? null : box.seal(previous), "signal.buy", Instant.now(), "{}", 1, 1, 0, 0);
  }

  private SecretRotation rotation(String webhookId, String account, String secret, String previous, Instant expire) {
    return new SecretRotation(webhookId, account, box.seal(secret), box.seal(previous), expire);
  }

  private String signing(DeliveryJob j) {
    return box.open(j.signingSecret());
  }

  private String previous(DeliveryJob j) {
    return j.previousSigningSecret() == null ? null : box.open(j.previousSigningSecret());
  }

  @Test
  void aJobReadBeforeARotationIsSignedWithTheNewSecretAndTheOldBesideIt() {
    rotated.learned(rotation("wh_a", "acme", "whsec_1", "whsec_0", day));
    DeliveryJob before = rotated.current(job("wh_a", "whsec_0", null));
    assertThat(signing(before)).isEqualTo("whsec_1");
    assertThat(previous(before)).isEqualTo("whsec_0");

    DeliveryJob after = job("wh_a", "whsec_1", "whsec_0");
    assertThat(rotated.current(after)).isSameAs(after);
    DeliveryJob otherWebhook = job("wh_b", "whsec_0", null);
    assertThat(rotated.current(otherWebhook)).isSameAs(otherWebhook);
  }

  @Test
  void twoRotationsLearnedInEitherOrderSignEveryOlderJobWithTheNewest() {
    SecretRotation first = rotation("wh_a", "acme", "whsec_1", "whsec_0", day);
    SecretRotation second = rotation("wh_a", "acme", "whsec_2", "whsec_1", day.plusSeconds(5));
    rotated.learned(second);
    rotated.learned(first); // older than the newest known: changes nothing
    DeliveryJob fromFirst = rotated.current(job("wh_a", "whsec_1", "whsec_0"));
    assertThat(signing(fromFirst)).isEqualTo("whsec_2");
    assertThat(previous(fromFirst)).isEqualTo("whsec_1");
    DeliveryJob newest = job("wh_a", "whsec_2", "whsec_1");
    assertThat(rotated.current(newest)).isSameAs(newest);

    RotatedSecrets inOrder = new RotatedSecrets(box, Duration.ofSeconds(60), nanos::get);
    inOrder.learned(first);
    inOrder.learned(second);
    assertThat(signing(inOrder.current(job("wh_a", "whsec_0", null)))).isEqualTo("whsec_2");
    assertThat(signing(inOrder.current(job("wh_a", "whsec_1", "whsec_0")))).isEqualTo("whsec_2");
  }

  /** A job as read from the database: stamped with the rotation its secrets were read after. */
  private DeliveryJob stamped(String secret, Instant asOf) {
    return new DeliveryJob("dlv_1", "wh_a", "acme", "http://127.0.0.1/", box.seal(secret), null, "signal.buy",
        Instant.now(), "{}", 1, 1, 0, 0, asOf);
  }

  /**
   * Another process rotated twice within one sweep: only the second rotation is read here, and the secret the first
   * replaced was never seen. A job read before both (stamped earlier) is signed with the newest; a job read after
   * both, or after a third rotation not yet learned here, keeps its own (never signed with an older secret).
   */
  @Test
  void twoRotationsWithinOneSweepStillSignAJobReadBeforeBothWithTheNewest() {
    rotated.learned(rotation("wh_a", "acme", "whsec_2", "whsec_1", day.plusSeconds(1)));

    DeliveryJob beforeBoth = rotated.current(stamped("whsec_0", Instant.EPOCH)); // never rotated when read
    assertThat(signing(beforeBoth)).isEqualTo("whsec_2");
    assertThat(previous(beforeBoth)).isEqualTo("whsec_1");
    assertThat(signing(rotated.current(stamped("whsec_0x", day.minusSeconds(60))))).isEqualTo("whsec_2");

    DeliveryJob afterBoth = stamped("whsec_2", day.plusSeconds(1));
    assertThat(rotated.current(afterBoth)).isSameAs(afterBoth);
    DeliveryJob afterAThird = stamped("whsec_3", day.plusSeconds(2));
    assertThat(rotated.current(afterAThird)).isSameAs(afterAThird);
  }

  @Test
  void theSameRotationReadAgainResealedChangesNothing() {
    rotated.learned(rotation("wh_a", "acme", "whsec_1", "whsec_0", day));
    rotated.learned(rotation("wh_a", "acme", "whsec_1", "whsec_0", day)); // other nonces, a sweep's read
    DeliveryJob before = rotated.current(job("wh_a", "whsec_0", null));
    assertThat(signing(before)).isEqualTo("whsec_1");
    assertThat(rotated.size()).isEqualTo(1);
  }

  @Test
  void theReplacedSecretNoLongerSignsOnceItsDayIsOver() {
    rotated.learned(rotation("wh_a", "acme", "whsec_1", "whsec_0", Instant.now().minusSeconds(1)));
    DeliveryJob before = rotated.current(job("wh_a", "whsec_0", null));
    assertThat(signing(before)).isEqualTo("whsec_1");
    assertThat(before.previousSigningSecret()).isNull();
  }

  @Test
  void oneAccountsFloodOfRotationsFillsOnlyItsShareAndIsForgottenAfterTheKeep() {
    for (int i = 0; i < RotatedSecrets.MAX_PER_ACCOUNT + 5; i++) {
      rotated.learned(rotation("wh_hog" + i, "hog", "whsec_new", "whsec_old" + i, day));
    }
    assertThat(rotated.size()).isEqualTo(RotatedSecrets.MAX_PER_ACCOUNT);
    DeliveryJob beyond = job("wh_hog" + RotatedSecrets.MAX_PER_ACCOUNT, "whsec_old" + RotatedSecrets.MAX_PER_ACCOUNT, null);
    assertThat(rotated.current(beyond)).isSameAs(beyond); // not remembered: signs as read

    rotated.learned(rotation("wh_other", "other", "whsec_1", "whsec_0", day));
    assertThat(signing(rotated.current(job("wh_other", "whsec_0", null)))).isEqualTo("whsec_1");

    nanos.addAndGet(Duration.ofSeconds(61).toNanos());
    rotated.forgetExpired();
    assertThat(rotated.size()).isZero();
    rotated.learned(rotation("wh_hog0", "hog", "whsec_next", "whsec_new", day.plusSeconds(1)));
    assertThat(rotated.size()).isEqualTo(1);
  }

  @Test
  void atMostMaxWebhooksAreRememberedInAll() {
    String sealed = box.seal("whsec_new");
    int accounts = RotatedSecrets.MAX / RotatedSecrets.MAX_PER_ACCOUNT;
    for (int a = 0; a < accounts; a++) {
      for (int i = 0; i < RotatedSecrets.MAX_PER_ACCOUNT; i++) {
        rotated.learned(new SecretRotation("wh_" + a + "_" + i, "acct" + a, sealed, sealed, day));
      }
    }
    assertThat(rotated.size()).isEqualTo(RotatedSecrets.MAX);
    rotated.learned(rotation("wh_late", "late", "whsec_1", "whsec_0", day));
    assertThat(rotated.size()).isEqualTo(RotatedSecrets.MAX);
    DeliveryJob late = job("wh_late", "whsec_0", null);
    assertThat(rotated.current(late)).isSameAs(late);
  }

  /** A rotation learned later than another of its webhook is remembered from the later one, and expires with it. */
  @Test
  void aWebhookRotatedAgainIsRememberedFromItsLatestRotation() {
    rotated.learned(rotation("wh_a", "acme", "whsec_1", "whsec_0", day));
    nanos.addAndGet(Duration.ofSeconds(40).toNanos());
    rotated.learned(rotation("wh_a", "acme", "whsec_2", "whsec_1", day.plusSeconds(40)));
    nanos.addAndGet(Duration.ofSeconds(40).toNanos()); // the first rotation's keep is over, not the second's
    rotated.forgetExpired();
    assertThat(rotated.size()).isEqualTo(1);
    assertThat(signing(rotated.current(job("wh_a", "whsec_0", null)))).isEqualTo("whsec_2");
    nanos.addAndGet(Duration.ofSeconds(30).toNanos());
    rotated.forgetExpired();
    assertThat(rotated.size()).isZero();
    rotated.learned(rotation("wh_b", "acme", "whsec_1", "whsec_0", day)); // the account's count went back too
    assertThat(rotated.size()).isEqualTo(1);
  }
}
