package com.apindicators.webhooks.server.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpMethod;

/**
 * Compares the HTTP clients that let the sender pick the resolved address (OkHttp's Dns, Apache HttpClient 5's
 * DnsResolver, Jetty's SocketAddressResolver) by POSTs per second to one loopback receiver, same body, same
 * concurrency. Run: see README "Benchmarks".
 */
public final class HttpClientBenchmark {
  static final byte[] BODY = ("{\"event\":\"signal.buy\",\"timestamp\":\"2026-04-03T14:30:00Z\",\"data\":{\"pair\":\"BTCUSDT\","
      + "\"side\":\"buy\",\"score\":0.87,\"market_type\":\"trending\",\"interval\":\"1h\"}}").getBytes(StandardCharsets.UTF_8);

  /** Sends one POST and reports (status, error) when done. */
  interface Client extends AutoCloseable {
    void post(String url, BiConsumer<Integer, Throwable> done);
  }

  public static void main(String[] args) throws Exception {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 30_000;
    int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    // Without TCP_NODELAY the JDK server's separate header and body writes meet delayed ACKs: 40 ms per request.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4096);
    ExecutorService receiverThreads = Executors.newFixedThreadPool(4);
    server.setExecutor(receiverThreads);
    byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
    server.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(200, ok.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(ok);
      }
    });
    server.start();
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    System.out.printf("%d POSTs per round, %d in flight, %d rounds, receiver: JDK HttpServer on loopback%n",
        requests, concurrency, rounds);
    for (int round = 1; round <= rounds; round++) {
      for (String name : new String[] {"okhttp", "apache-httpclient5", "jetty-client"}) {
        try (Client c = client(name, concurrency)) {
          run(c, url, Math.min(5_000, requests), concurrency); // warm-up
          long start = System.nanoTime();
          int errors = run(c, url, requests, concurrency);
          double secs = (System.nanoTime() - start) / 1e9;
          System.out.printf("round %d  %-20s %8.0f POSTs/s  (%d errors)%n", round, name, requests / secs, errors);
        }
      }
    }
    server.stop(0);
    receiverThreads.shutdownNow();
  }

  static int run(Client c, String url, int n, int concurrency) throws InterruptedException {
    Semaphore slots = new Semaphore(concurrency);
    CountDownLatch done = new CountDownLatch(n);
    AtomicInteger errors = new AtomicInteger();
    for (int i = 0; i < n; i++) {
      slots.acquire();
      c.post(url, (status, error) -> {
        if (error != null || status != 200) {
          errors.incrementAndGet();
        }
        slots.release();
        done.countDown();
      });
    }
    done.await(5, TimeUnit.MINUTES);
    return errors.get();
  }

  static Client client(String name, int concurrency) throws Exception {
    return switch (name) {
      case "okhttp" -> okhttp(concurrency);
      case "apache-httpclient5" -> apache(concurrency);
      default -> jetty(concurrency);
    };
  }

  static Client okhttp(int concurrency) {
    okhttp3.Dispatcher d = new okhttp3.Dispatcher();
    d.setMaxRequests(concurrency);
    d.setMaxRequestsPerHost(concurrency);
    OkHttpClient client = new OkHttpClient.Builder().dispatcher(d)
        .connectionPool(new ConnectionPool(concurrency, 1, TimeUnit.MINUTES))
        .followRedirects(false).retryOnConnectionFailure(false).build();
    MediaType json = MediaType.get("application/json");
    return new Client() {
      @Override
      public void post(String url, BiConsumer<Integer, Throwable> done) {
        client.newCall(new Request.Builder().url(url).post(RequestBody.create(BODY, json)).build()).enqueue(new Callback() {
          @Override
          public void onResponse(Call call, Response response) {
            try (response) {
              response.body().bytes();
              done.accept(response.code(), null);
            } catch (Exception e) {
              done.accept(0, e);
            }
          }

          @Override
          public void onFailure(Call call, java.io.IOException e) {
            done.accept(0, e);
          }
        });
      }

      @Override
      public void close() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      }
    };
  }

  static Client apache(int concurrency) {
    CloseableHttpAsyncClient client = HttpAsyncClients.custom()
        .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
            .setMaxConnTotal(concurrency).setMaxConnPerRoute(concurrency).build())
        .disableRedirectHandling().disableAutomaticRetries().build();
    client.start();
    return new Client() {
      @Override
      public void post(String url, BiConsumer<Integer, Throwable> done) {
        SimpleHttpRequest req = SimpleRequestBuilder.post(url).setBody(BODY, ContentType.APPLICATION_JSON).build();
        client.execute(req, new FutureCallback<SimpleHttpResponse>() {
          @Override
          public void completed(SimpleHttpResponse r) {
            done.accept(r.getCode(), null);
          }

          @Override
          public void failed(Exception e) {
            done.accept(0, e);
          }

          @Override
          public void cancelled() {
            done.accept(0, new IllegalStateException("cancelled"));
          }
        });
      }

      @Override
      public void close() throws Exception {
        client.close();
      }
    };
  }

  static Client jetty(int concurrency) throws Exception {
    HttpClient client = new HttpClient();
    client.setMaxConnectionsPerDestination(concurrency);
    client.setFollowRedirects(false);
    client.start();
    return new Client() {
      @Override
      public void post(String url, BiConsumer<Integer, Throwable> done) {
        client.newRequest(URI.create(url)).method(HttpMethod.POST)
            .body(new BytesRequestContent("application/json", BODY))
            .send(result -> done.accept(result.getResponse() == null ? 0 : result.getResponse().getStatus(), result.getFailure()));
      }

      @Override
      public void close() throws Exception {
        client.stop();
      }
    };
  }
}
