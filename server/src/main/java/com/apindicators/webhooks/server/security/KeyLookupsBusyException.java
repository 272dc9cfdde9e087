package com.apindicators.webhooks.server.security;

/** A presented key had to be looked up while the lookups of its kind were all in progress (see {@link KeyLookups}). */
public final class KeyLookupsBusyException extends RuntimeException {
  private final int limit;

  KeyLookupsBusyException(int limit) {
    super("all " + limit + " API key lookups of this kind are in progress", null, false, false);
    this.limit = limit;
  }

  /** The lookups of this kind that may be in progress at once. */
  public int limit() {
    return limit;
  }
}
