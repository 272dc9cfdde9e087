package com.apindicators.webhooks.server;

/** A well-formed admin key that server processes started by tests adopt (passed with --admin-key). */
public final class TestKeys {
  public static final String ADMIN = "whk_" + "T".repeat(22) + "_" + "k".repeat(43);
  /** A master key (base64 of 32 bytes) shared by server processes on one database. */
  public static final String MASTER = java.util.Base64.getEncoder().encodeToString(new byte[32]);

  private TestKeys() {}
}
