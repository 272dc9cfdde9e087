package com.apindicators.webhooks.server.api;

import com.apindicators.webhooks.server.security.Caller;
import com.google.rpc.Code;
import io.grpc.StatusRuntimeException;

/** What the current caller may do: admin keys everything, account keys only their own account's data. */
final class Access {
  private Access() {}

  static Caller caller() {
    Caller c = AuthInterceptor.CALLER.get();
    if (c == null) {
      throw Errors.of(Code.UNAUTHENTICATED, "MISSING_API_KEY", "This call needs an API key.");
    }
    return c;
  }

  /** Fails with PERMISSION_DENIED unless the caller holds an admin key. */
  static void requireAdmin(String what) {
    if (!caller().isAdmin()) {
      throw Errors.of(Code.PERMISSION_DENIED, "ADMIN_KEY_REQUIRED", what + " needs an admin API key; this key is scoped to account '"
          + caller().accountId() + "'.");
    }
  }

  /** Fails with PERMISSION_DENIED unless the caller may act on this account. */
  static void requireAccount(String accountId) {
    if (!caller().mayAccess(accountId)) {
      throw Errors.of(Code.PERMISSION_DENIED, "ACCOUNT_NOT_ALLOWED", "This API key is scoped to account '"
          + caller().accountId() + "' and cannot act on account '" + accountId + "'.");
    }
  }

  /**
   * The account a list RPC is about: the one named, or (none named) an account key's own; an admin key must name
   * one. Call {@link #requireAccount} with it once the request is valid.
   */
  static String listedAccount(String field, String given, Violations v) {
    if (given.isEmpty() && !caller().isAdmin()) {
      return caller().accountId();
    }
    return Fields.accountId(field, given, v);
  }

  /** NOT_FOUND for a resource of another account, so a scoped key learns nothing about it. */
  static StatusRuntimeException hidden(String kind, String id) {
    return Errors.notFound(kind, id);
  }

  static boolean mayAccess(String accountId) {
    return caller().mayAccess(accountId);
  }
}
