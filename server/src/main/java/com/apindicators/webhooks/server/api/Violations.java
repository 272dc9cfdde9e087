package com.apindicators.webhooks.server.api;

import com.google.rpc.BadRequest;

/**
 * Collects the field violations of one request, then fails it with all of them at once. However bad the request,
 * the error stays small: at most {@link #MAX_REPORTED} violations are reported (the message counts the rest), and
 * every field path and description is cut to {@link #MAX_TEXT} characters.
 */
public final class Violations {
  /** Violations one error reports; the message says how many more there were. */
  public static final int MAX_REPORTED = 20;
  /** Longest field path or description reported. */
  public static final int MAX_TEXT = 300;
  private final BadRequest.Builder bad = BadRequest.newBuilder();
  private int count;

  /** Records that a field is wrong and how to fix it. */
  public Violations add(String field, String description) {
    count++;
    if (count <= MAX_REPORTED) {
      bad.addFieldViolations(BadRequest.FieldViolation.newBuilder()
          .setField(Fields.cut(field, MAX_TEXT)).setDescription(Fields.cut(description, MAX_TEXT)));
    }
    return this;
  }

  /** Whether nothing was recorded. */
  public boolean isEmpty() {
    return count == 0;
  }

  /** Throws INVALID_ARGUMENT when anything was recorded. */
  public void throwIfAny() {
    if (!isEmpty()) {
      throw Errors.invalid(bad.build(), count);
    }
  }
}
