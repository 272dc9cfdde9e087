package com.apindicators.webhooks.server.api;

import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.DisablePolicy;
import com.apindicators.webhooks.v1.UpdateWebhookRequest;
import com.apindicators.webhooks.v1.Webhook;
import com.google.protobuf.FieldMask;
import com.google.protobuf.util.Durations;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Disable policies on create and update: off by default, bounded, and set or cleared through the update mask. */
class DisablePolicyValidationTest {
  @RegisterExtension final ServerExtension ext = new ServerExtension();
  private final Fixtures f = ext.fixtures();

  private static CreateWebhookRequest.Builder create(DisablePolicy p) {
    return CreateWebhookRequest.newBuilder().setAccountId("acme").setName("bot").setUrl("https://bot.example.com/hook")
        .addEvents("signal.buy").setDisablePolicy(p);
  }

  private static DisablePolicy failures(int n) {
    return DisablePolicy.newBuilder().setAfterConsecutiveFailures(n).build();
  }

  private static DisablePolicy failingFor(com.google.protobuf.Duration d) {
    return DisablePolicy.newBuilder().setAfterFailingFor(d).build();
  }

  @Test
  void aWebhookHasNoDisablePolicyUnlessItAsksForOne() {
    Webhook w = f.webhook("acme", "https://bot.example.com/hook", "signal.buy").getWebhook();
    assertThat(w.hasDisablePolicy()).isFalse();
    assertThat(w.getEnabled()).isTrue();
    assertThat(w.getDisabledReason()).isEmpty();
    assertThat(w.hasDisabledTime()).isFalse();
    assertThat(w.getHealth().getRecentAttempts()).isZero();
    assertThat(w.getHealth().hasLastDeliveryTime()).isFalse();
  }

  @Test
  void zeroNegativeAndHugeCountsAndPeriodsAreRefusedWithTheFieldNamed() {
    for (DisablePolicy bad : List.of(failures(0), failures(-1), failures(Integer.MIN_VALUE), failures(10_001),
        failures(Integer.MAX_VALUE))) {
      StatusAssert e = failing(() -> f.webhook(create(bad)));
      assertThat(e.code()).as("%s", bad).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.violatedFields()).containsExactly("disable_policy.after_consecutive_failures");
      assertThat(e.message()).contains("1 to 10000");
    }
    for (com.google.protobuf.Duration bad : List.of(Durations.ZERO, Durations.fromSeconds(-432000),
        Durations.fromSeconds(59), Durations.fromDays(31), Durations.fromSeconds(315_576_000_000L),
        // Not a valid Duration at all: nanos of the wrong sign and out of range.
        com.google.protobuf.Duration.newBuilder().setSeconds(3600).setNanos(-5).build(),
        com.google.protobuf.Duration.newBuilder().setSeconds(3600).setNanos(Integer.MAX_VALUE).build(),
        com.google.protobuf.Duration.newBuilder().setSeconds(Long.MAX_VALUE).build())) {
      StatusAssert e = failing(() -> f.webhook(create(failingFor(bad))));
      assertThat(e.code()).as("%s", bad).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.violatedFields()).containsExactly("disable_policy.after_failing_for");
    }
    assertThat(TestDatabase.count("SELECT count(*) FROM webhooks")).isZero();
  }

  @Test
  void theBoundsThemselvesAreAccepted() {
    assertThat(f.webhook(create(failures(1))).getWebhook().getDisablePolicy().getAfterConsecutiveFailures()).isEqualTo(1);
    assertThat(f.webhook(create(failures(10_000))).getWebhook().getDisablePolicy()).isEqualTo(failures(10_000));
    assertThat(f.webhook(create(failingFor(Durations.fromMinutes(1)))).getWebhook().getDisablePolicy())
        .isEqualTo(failingFor(Durations.fromMinutes(1)));
    assertThat(f.webhook(create(failingFor(Durations.fromDays(30)))).getWebhook().getDisablePolicy())
        .isEqualTo(failingFor(Durations.fromDays(30)));
  }

  @Test
  void anEmptyPolicyMessageMeansNever() {
    Webhook w = f.webhook(create(DisablePolicy.getDefaultInstance())).getWebhook();
    assertThat(w.hasDisablePolicy()).isFalse();
  }

  @Test
  void updateSetsReplacesAndClearsThePolicyOnlyWhenMasked() {
    Webhook w = f.webhook(create(failures(5))).getWebhook();
    Webhook renamed = update(w.toBuilder().setName("renamed").setDisablePolicy(failures(7)).build(), "name");
    assertThat(renamed.getDisablePolicy()).as("not in the mask: unchanged").isEqualTo(failures(5));

    Webhook fiveDays = update(Webhook.newBuilder().setWebhookId(w.getWebhookId())
        .setDisablePolicy(failingFor(Durations.fromDays(5))).build(), "disable_policy");
    assertThat(fiveDays.getDisablePolicy()).isEqualTo(failingFor(Durations.fromDays(5)));
    assertThat(f.webhooks.getWebhook(com.apindicators.webhooks.v1.GetWebhookRequest.newBuilder()
        .setWebhookId(w.getWebhookId()).build()).getWebhook().getDisablePolicy()).isEqualTo(failingFor(Durations.fromDays(5)));

    Webhook cleared = update(Webhook.newBuilder().setWebhookId(w.getWebhookId()).build(), "disable_policy");
    assertThat(cleared.hasDisablePolicy()).isFalse();
    assertThat(cleared.getName()).isEqualTo("renamed");
  }

  @Test
  void updateWithABadPolicyIsRefusedAndChangesNothing() {
    Webhook w = f.webhook(create(failures(5))).getWebhook();
    StatusAssert e = failing(() -> update(Webhook.newBuilder().setWebhookId(w.getWebhookId())
        .setDisablePolicy(failures(-3)).build(), "disable_policy"));
    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.violatedFields()).containsExactly("webhook.disable_policy.after_consecutive_failures");
    StatusAssert period = failing(() -> update(Webhook.newBuilder().setWebhookId(w.getWebhookId())
        .setDisablePolicy(failingFor(Durations.fromSeconds(-1))).build(), "disable_policy"));
    assertThat(period.violatedFields()).containsExactly("webhook.disable_policy.after_failing_for");
    assertThat(f.webhooks.getWebhook(com.apindicators.webhooks.v1.GetWebhookRequest.newBuilder()
        .setWebhookId(w.getWebhookId()).build()).getWebhook().getDisablePolicy()).isEqualTo(failures(5));
  }

  @Test
  void theOutputOnlyHealthAndDisableFieldsCannotBeWrittenThroughTheMask() {
    Webhook w = f.webhook(create(failures(5))).getWebhook();
    Webhook forged = w.toBuilder().setDisabledReason("forged").setHealth(com.apindicators.webhooks.v1.WebhookHealth
        .newBuilder().setSuccessRate(1).setConsecutiveFailures(-1)).build();
    for (String path : List.of("health", "health.consecutive_failures", "disabled_reason", "disabled_time")) {
      StatusAssert e = failing(() -> update(forged, path));
      assertThat(e.code()).as(path).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.violatedFields()).as(path).containsExactly("update_mask");
    }
    // Unmasked, they are ignored like every other output-only field.
    Webhook same = update(forged, "name");
    assertThat(same.getDisabledReason()).isEmpty();
    assertThat(same.getHealth().getConsecutiveFailures()).isZero();
    assertThat(same.getHealth().getSuccessRate()).isZero();
  }

  private Webhook update(Webhook w, String... paths) {
    return f.webhooks.updateWebhook(UpdateWebhookRequest.newBuilder().setWebhook(w)
        .setUpdateMask(FieldMask.newBuilder().addAllPaths(List.of(paths))).build()).getWebhook();
  }
}
