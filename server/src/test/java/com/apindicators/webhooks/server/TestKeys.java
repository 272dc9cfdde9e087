package com.apindicators.webhooks.server;

/** A well-formed admin key that server processes started by tests adopt (passed with --admin-key). */
public final class TestKeys {
  public static final String ADMIN = "whk_" + "T".repeat(22) + "_" + "k".repeat(43);

  private TestKeys() {}
}
