package com.apindicators.webhooks.server.api;

import com.google.rpc.BadRequest;

/** Collects the field violations of one request, then fails it with all of them at once. */
public final class Violations {
  private final BadRequest.Builder bad = BadRequest.newBuilder();

  /** Records that a field is wrong and how to fix it. */
  public Violations add(String field, String description) {
    bad.addFieldViolations(BadRequest.FieldViolation.newBuilder().setField(field).setDescription(description));
    return this;
  }

  /** Whether nothing was recorded. */
  public boolean isEmpty() {
    return bad.getFieldViolationsCount() == 0;
  }

  /** Throws INVALID_ARGUMENT when anything was recorded. */
  public void throwIfAny() {
    if (!isEmpty()) {
      throw Errors.invalid(bad.build());
    }
  }
}
