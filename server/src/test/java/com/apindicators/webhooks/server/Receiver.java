package com.apindicators.webhooks.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A real HTTP receiver on loopback that records every request and answers as each path is told to. */
public final class Receiver implements AutoCloseable {
  /** A request as it arrived: path, headers (lower-case names) and exact body bytes. */
  public record Request(String path, Map<String, String> headers, byte[] body, long receivedNanos) {
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public String header(String name) {
      return headers.get(name.toLowerCase());
    }
  }

  /** How a path answers: status, body, extra headers, and a delay before answering. */
  public record Answer(int status, String body, Map<String, String> headers, long delayMillis) {
    public static Answer ok() {
      return new Answer(200, "ok", Map.of(), 0);
    }

    public static Answer status(int status, String body) {
      return new Answer(status, body, Map.of(), 0);
    }
  }

  /** Decides the answer for the n-th request (from 1) to a path. */
  public interface Script {
    Answer answer(int n);
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Map<String, Script> scripts = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

  public Receiver() throws IOException {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1000);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** The URL of a path on this receiver. */
  public String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  /** Makes a path answer with the script from now on (default: 200 "ok"). */
  public Receiver on(String path, Script script) {
    scripts.put(path, script);
    return this;
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  public List<Request> requests(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  private void handle(HttpExchange ex) throws IOException {
    byte[] body = ex.getRequestBody().readAllBytes();
    Map<String, String> headers = new ConcurrentHashMap<>();
    ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
    String path = ex.getRequestURI().getPath();
    requests.add(new Request(path, headers, body, System.nanoTime()));
    int n = counts.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    Answer a = scripts.getOrDefault(path, i -> Answer.ok()).answer(n);
    if (a.delayMillis() > 0) {
      try {
        Thread.sleep(a.delayMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    a.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
    byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
    try {
      ex.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(out);
      }
    } catch (IOException e) {
      // the sender gave up (timeout); nothing to do
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.stop(0);
    executor.shutdownNow();
    executor.awaitTermination(5, TimeUnit.SECONDS);
  }
}
