package com.apindicators.webhooks.server.api;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import com.google.protobuf.util.Durations;
import com.apindicators.webhooks.server.store.Ids;
import com.apindicators.webhooks.server.store.Retention;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/** Builds every error status the API returns, each with an {@code ErrorInfo} reason clients can branch on. */
public final class Errors {
  public static final String DOMAIN = "webhooks.apindicators.com";

  private Errors() {}

  /** An error with a reason and an actionable message. */
  public static StatusRuntimeException of(Code code, String reason, String message) {
    return of(code, reason, message, Map.of());
  }

  /** An error with a reason, a message and metadata for the ErrorInfo. */
  public static StatusRuntimeException of(Code code, String reason, String message, Map<String, String> metadata) {
    ErrorInfo info = ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).putAllMetadata(metadata).build();
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(code.getNumber()).setMessage(message).addDetails(Any.pack(info)).build());
  }

  /** RESOURCE_EXHAUSTED with a RetryInfo saying when to try again. */
  public static StatusRuntimeException exhausted(String reason, String message, Duration retryDelay) {
    ErrorInfo info = ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).build();
    RetryInfo retry = RetryInfo.newBuilder().setRetryDelay(Durations.fromMillis(Math.max(1, retryDelay.toMillis()))).build();
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(Code.RESOURCE_EXHAUSTED_VALUE).setMessage(message).addDetails(Any.pack(info)).addDetails(Any.pack(retry))
        .build());
  }

  /** INVALID_ARGUMENT with one field violation per bad field. */
  public static StatusRuntimeException invalid(BadRequest violations) {
    return invalid(violations, violations.getFieldViolationsCount());
  }

  /** INVALID_ARGUMENT with the violations reported, out of {@code total} found (the message counts the rest). */
  public static StatusRuntimeException invalid(BadRequest violations, int total) {
    StringBuilder message = new StringBuilder("Invalid request: ");
    for (int i = 0; i < violations.getFieldViolationsCount(); i++) {
      BadRequest.FieldViolation v = violations.getFieldViolations(i);
      message.append(i == 0 ? "" : "; ").append(v.getField()).append(": ").append(v.getDescription());
    }
    int unreported = total - violations.getFieldViolationsCount();
    if (unreported > 0) {
      message.append("; and ").append(unreported).append(" more violation").append(unreported == 1 ? "" : "s")
          .append(" not listed (fix these first)");
    }
    ErrorInfo info = ErrorInfo.newBuilder().setReason("INVALID_ARGUMENT").setDomain(DOMAIN)
        .putMetadata("violations", Integer.toString(total)).build();
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(message.toString())
        .addDetails(Any.pack(info)).addDetails(Any.pack(violations)).build());
  }

  /** NOT_FOUND for a resource id. */
  public static StatusRuntimeException notFound(String kind, String id) {
    return of(Code.NOT_FOUND, kind.toUpperCase(Locale.ROOT).replace(' ', '_') + "_NOT_FOUND",
        "No " + kind + " with id '" + id + "' exists.", Map.of("id", id));
  }

  /** NOT_FOUND for an id of an event or delivery: {@link #agedOut} if its time is past retention. */
  public static StatusRuntimeException notFound(String kind, String id, Retention retention) {
    return Ids.time(id).filter(retention::agedOut).isPresent()
        ? agedOut(kind, id, retention.days()) : notFound(kind, id);
  }

  /**
   * NOT_FOUND for an id whose creation time (which the id carries) is older than retention: its record was
   * retired. Said from the id alone, so it tells nothing about whether such a record existed, or whose it was.
   */
  public static StatusRuntimeException agedOut(String kind, String id, int retentionDays) {
    return of(Code.NOT_FOUND, kind.toUpperCase(Locale.ROOT).replace(' ', '_') + "_AGED_OUT",
        "The " + kind + " '" + id + "' is older than the " + retentionDays + "-day retention; its record was deleted.",
        Map.of("id", id, "retention_days", Integer.toString(retentionDays)));
  }

  /** INTERNAL for a failure the caller cannot fix, without leaking internals. */
  public static StatusRuntimeException internal() {
    return of(Code.INTERNAL, "INTERNAL", "The server failed to handle the request; it was logged. Try again.");
  }
}
