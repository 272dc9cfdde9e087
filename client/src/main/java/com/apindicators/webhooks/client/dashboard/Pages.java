package com.apindicators.webhooks.client.dashboard;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

/** The HTML pages (each with the CSRF token in a meta tag) and their scripts and styles, all from the jar. */
final class Pages {
  private static final Map<String, String> PAGES = Map.of(
      "/", "webhooks.html",
      "/webhooks/{id}", "webhook.html",
      "/deliveries/{id}", "delivery.html",
      "/live", "live.html",
      "/event-types", "events.html");
  private static final Pattern ASSET = Pattern.compile("[a-z][a-z0-9-]*\\.(css|js|svg)");
  private static final Map<String, String> TYPES = Map.of(
      "css", "text/css; charset=utf-8", "js", "text/javascript; charset=utf-8", "svg", "image/svg+xml");
  private final String csrfToken;

  Pages(String csrfToken) {
    this.csrfToken = csrfToken;
  }

  void register(Javalin app) {
    PAGES.forEach((path, file) -> {
      String html = read(file).replace("{{csrf}}", csrfToken);
      app.get(path, ctx -> ctx.contentType("text/html; charset=utf-8").result(html));
    });
    app.get("/assets/{name}", this::asset);
  }

  private void asset(Context ctx) {
    String name = ctx.pathParam("name");
    if (!ASSET.matcher(name).matches() || Pages.class.getResource("/dashboard/" + name) == null) {
      throw new NotFoundResponse("No such file.");
    }
    ctx.contentType(TYPES.get(name.substring(name.lastIndexOf('.') + 1))).header("Cache-Control", "no-cache")
        .result(read(name));
  }

  private static String read(String name) {
    try (InputStream in = Pages.class.getResourceAsStream("/dashboard/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource /dashboard/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
