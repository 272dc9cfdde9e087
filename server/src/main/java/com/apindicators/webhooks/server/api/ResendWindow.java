package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.registry.RetrySchedule;
import com.apindicators.webhooks.server.store.Ids;
import com.apindicators.webhooks.server.store.Retention;
import com.google.rpc.Code;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Refuses a resend or redelivery whose attempts could go on past the time its event ages out. Retention keeps an
 * event's day while a pending delivery still needs the event, and the days after it wait too, so without this bound
 * one account resending its oldest event again and again (each delivery with 10 attempts a day apart) held retention
 * back for every account for good. And a redelivery of a delivery whose event was already retired made it pending
 * with nothing to send, for good: the claims read the event with each delivery.
 */
final class ResendWindow {
  /** Room left for retention's hourly run and for the database's clock and ours to differ. */
  static final Duration MARGIN = Duration.ofHours(1);
  private final Retention retention;
  private final Duration attemptTimeout;

  ResendWindow(Retention retention, Duration attemptTimeout) {
    this.retention = retention;
    this.attemptTimeout = attemptTimeout;
  }

  /**
   * FAILED_PRECONDITION ({@code EVENT_TOO_OLD_TO_RESEND}) unless attempts following {@code schedule} from now would end
   * an hour before the event ages out. An id without a time (made before ids carried one) counts as the oldest kept.
   */
  void require(String eventId, RetrySchedule schedule) {
    Instant created = Ids.time(eventId).orElseGet(retention::horizon);
    Instant agesOut = retention.agesOutAt(created);
    Duration longest = schedule.longest(attemptTimeout);
    Instant lastEnd = Instant.now().plus(longest);
    if (lastEnd.plus(MARGIN).isAfter(agesOut)) {
      throw Errors.of(Code.FAILED_PRECONDITION, "EVENT_TOO_OLD_TO_RESEND", "Event " + eventId + " ages out of the "
          + retention.days() + "-day retention at " + agesOut + ", and attempts sent now could go on until " + lastEnd
          + " (" + schedule.attempts() + (schedule.attempts() == 1 ? " attempt" : " attempts") + ", waits of "
          + human(schedule.waits()) + " in all at most), less than an hour before that. Publish it again as a new"
          + " event, or send it to webhooks with shorter retry policies.",
          Map.of("event_id", eventId, "ages_out", agesOut.toString(), "attempts_until", lastEnd.toString()));
    }
  }

  private static String human(Duration d) {
    return d.toHours() > 0 ? d.toHours() + " h" : d.toSeconds() + " s";
  }
}
