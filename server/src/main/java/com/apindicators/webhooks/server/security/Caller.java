package com.apindicators.webhooks.server.security;

/** Who is calling: the API key's id and the account it is scoped to, or null for an admin key. */
public record Caller(String keyId, String accountId) {
  public boolean isAdmin() {
    return accountId == null;
  }

  /** Whether this caller may see and change the account's data. */
  public boolean mayAccess(String account) {
    return isAdmin() || accountId.equals(account);
  }
}
