package com.apindicators.webhooks.client.dashboard;

import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.HandlerType;
import io.javalin.http.UnauthorizedResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Who may use the dashboard: the browser that opened the one-time sign-in URL printed on start gets the
 * process's session cookie; every change must also carry the CSRF token the pages embed; requests naming
 * another host (DNS rebinding) are refused.
 */
final class SessionGuard {
  private static final String COOKIE_PREFIX = "webhooks_dashboard_";
  static final String CSRF_HEADER = "X-CSRF-Token";
  private static final SecureRandom RANDOM = new SecureRandom();
  private final String session = random();
  /** Each process names its cookie apart, so two dashboards on one host (cookies ignore ports) keep their own. */
  private final String cookie = COOKIE_PREFIX + random().substring(0, 8).replace('-', 'x').replace('_', 'y');
  private final String csrf = random();
  private final AtomicReference<String> signIn = new AtomicReference<>(random());
  /** Host names (without port) accepted; empty accepts any (the dashboard was bound to every interface). */
  private final Set<String> hosts;

  SessionGuard(Set<String> hosts) {
    this.hosts = hosts;
  }

  /** The path and query of the one-time sign-in URL. */
  String signInPath() {
    String token = signIn.get();
    return token == null ? "/" : "/login?token=" + token;
  }

  String csrfToken() {
    return csrf;
  }

  /** GET /login?token=...: spends the one-time token on a session cookie and goes to the Webhooks page. */
  void signIn(Context ctx) {
    String expected = signIn.get();
    String given = ctx.queryParam("token");
    if (expected != null && given != null && same(expected, given) && signIn.compareAndSet(expected, null)) {
      ctx.header("Set-Cookie", cookie + "=" + session + "; Path=/; HttpOnly; SameSite=Lax");
      ctx.redirect("/", io.javalin.http.HttpStatus.SEE_OTHER);
      return;
    }
    if (hasSession(ctx)) {
      ctx.redirect("/", io.javalin.http.HttpStatus.SEE_OTHER);
      return;
    }
    throw new ForbiddenResponse("This sign-in link is wrong or was already used. Restart 'webhooks dashboard' for a new one.");
  }

  /** Before every request: the host, then (but for sign-in) the session, then for changes the CSRF token. */
  void check(Context ctx) {
    String host = ctx.header("Host");
    if (!hosts.isEmpty() && (host == null || !hosts.contains(withoutPort(host.toLowerCase(Locale.ROOT))))) {
      throw new ForbiddenResponse("Unknown host: open the dashboard at the address 'webhooks dashboard' printed.");
    }
    if (ctx.path().equals("/login")) {
      return;
    }
    if (!hasSession(ctx)) {
      throw new UnauthorizedResponse("Not signed in: open the one-time link 'webhooks dashboard' printed when it started.");
    }
    HandlerType method = ctx.method();
    if (method != HandlerType.GET && method != HandlerType.HEAD) {
      String token = ctx.header(CSRF_HEADER);
      if (token == null || !same(csrf, token)) {
        throw new ForbiddenResponse("Missing or wrong CSRF token: reload the page and try again.");
      }
    }
  }

  private static String withoutPort(String host) {
    int end = host.startsWith("[") ? host.indexOf(']') + 1 : host.indexOf(':');
    return end <= 0 ? host : host.substring(0, end);
  }

  private boolean hasSession(Context ctx) {
    String given = ctx.cookie(cookie);
    return given != null && same(session, given);
  }

  private static boolean same(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static String random() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
