package com.apindicators.webhooks.client.dashboard;

import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;

/**
 * Whose data the dashboard shows: an account key's own account (the customer view), or for an admin key
 * any account the page names (starting with {@code account}, when given).
 *
 * @param admin whether the API key is an admin key
 * @param account the account shown when a page names none; empty when an admin has not picked one
 */
public record DashboardScope(boolean admin, String account) {
  /** The account a request is about: the {@code account} query parameter, else the default; the server checks access. */
  String account(Context ctx) {
    String named = ctx.queryParam("account");
    String chosen = named == null || named.isBlank() ? account : named.strip();
    if (chosen.isEmpty()) {
      throw new BadRequestResponse("Pick an account first.");
    }
    return chosen;
  }
}
