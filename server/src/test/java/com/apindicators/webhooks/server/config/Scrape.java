package com.apindicators.webhooks.server.config;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;

/** One GET of a real {@code /metrics} endpoint, and the values read from its text. */
public record Scrape(String text) {
  /** Scrapes the endpoint. */
  public static Scrape of(Metrics.Endpoint endpoint) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + endpoint.address().getPort() + Metrics.PATH)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("metrics answered " + r.statusCode());
    }
    return new Scrape(r.body());
  }

  /** Serves a registry's metrics for one scrape. */
  public static Scrape of(Metrics metrics) throws Exception {
    try (Metrics.Endpoint http = metrics.serve("127.0.0.1", 0)) {
      return of(http);
    }
  }

  /**
   * The sum of the samples of a series name whose labels include every given {@code name="value"} pair
   * (so a label left out sums over it); -1 when there is no such sample.
   */
  public double value(String name, String... labels) {
    double sum = 0;
    boolean found = false;
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || !(line.startsWith(name + " ") || line.startsWith(name + "{"))) {
        continue;
      }
      int end = line.lastIndexOf(' ');
      String series = line.substring(0, end);
      if (Arrays.stream(labels).allMatch(l -> series.contains(l))) {
        sum += Double.parseDouble(line.substring(end + 1));
        found = true;
      }
    }
    return found ? sum : -1;
  }

  /** The lines of series of this name. */
  public List<String> lines(String name) {
    return Arrays.stream(text.split("\n")).filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{")).toList();
  }
}
