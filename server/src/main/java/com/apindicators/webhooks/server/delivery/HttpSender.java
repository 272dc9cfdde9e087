package com.apindicators.webhooks.server.delivery;

import com.apindicators.webhooks.server.events.PayloadJson;
import com.apindicators.webhooks.server.security.TargetGuard;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/** Sends one signed POST per attempt with OkHttp: total timeout, no redirects, bounded response reads. */
public final class HttpSender implements AutoCloseable {
  public static final int MAX_RESPONSE_BODY_BYTES = 16 * 1024;
  public static final String USER_AGENT = "APIndicators-Webhooks/1.0";
  private static final MediaType JSON = MediaType.get("application/json");
  private final OkHttpClient client;
  private final TargetGuard guard;
  private final Duration timeout;

  /**
   * @param timeout the whole attempt's budget, connect to last byte (our docs promise receivers 10 s)
   * @param maxInFlight how many requests OkHttp may run at once; the dispatcher bounds them tighter
   */
  public HttpSender(TargetGuard guard, Duration timeout, int maxInFlight) {
    this.timeout = timeout;
    this.guard = guard;
    okhttp3.Dispatcher dispatcher = new okhttp3.Dispatcher();
    dispatcher.setMaxRequests(maxInFlight);
    dispatcher.setMaxRequestsPerHost(maxInFlight);
    this.client = new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(Math.max(5, maxInFlight), 1, TimeUnit.MINUTES))
        .dns(guard)
        .callTimeout(timeout)
        .connectTimeout(timeout)
        .readTimeout(timeout)
        .writeTimeout(timeout)
        .followRedirects(false)
        .followSslRedirects(false)
        // A POST that may have reached the receiver is never silently sent again; retries are the policy's job.
        .retryOnConnectionFailure(false)
        .build();
  }

  /** Sends the job's attempt and reports the result once, on an OkHttp thread. */
  public void send(DeliveryJob job, Consumer<AttemptResult> done) {
    Instant start = Instant.now();
    long startNanos = System.nanoTime();
    Request request;
    try {
      request = request(job, start.getEpochSecond());
      guard.checkLiteral(request.url().host());
    } catch (IllegalArgumentException e) {
      done.accept(new AttemptResult(start, Duration.ZERO, 0, "", "Invalid URL: " + e.getMessage(), null));
      return;
    } catch (TargetGuard.BlockedTargetException e) {
      done.accept(new AttemptResult(start, Duration.ZERO, 0, "", e.getMessage(), null));
      return;
    }
    client.newCall(request).enqueue(new Callback() {
      @Override
      public void onResponse(Call call, Response response) {
        AttemptResult result;
        try (response) {
          String body = readBounded(response.body());
          int code = response.code();
          result = new AttemptResult(start, elapsed(startNanos), code, body, error(response), retryAfter(response));
        } catch (IOException e) {
          result = new AttemptResult(start, elapsed(startNanos), response.code(), "", describe(e), null);
        }
        done.accept(result);
      }

      @Override
      public void onFailure(Call call, IOException e) {
        done.accept(new AttemptResult(start, elapsed(startNanos), 0, "", describe(e), null));
      }
    });
  }

  /** The POST for an attempt, with the body and every signature header. */
  static Request request(DeliveryJob job, long attemptEpochSeconds) {
    byte[] body = PayloadJson.body(job.eventType(), job.eventTime(), job.dataJson());
    String ts = Long.toString(attemptEpochSeconds);
    return new Request.Builder()
        .url(job.url())
        .header("User-Agent", USER_AGENT)
        .header("X-Webhook-Signature", Signer.docsSignature(job.signingSecret(), body))
        .header("X-Webhook-Id", job.deliveryId())
        .header("X-Webhook-Event", job.eventType())
        .header("X-Webhook-Timestamp", ts)
        .header("webhook-id", job.deliveryId())
        .header("webhook-timestamp", ts)
        .header("webhook-signature", Signer.standardSignature(job.signingSecret(), job.deliveryId(), attemptEpochSeconds, body))
        .post(RequestBody.create(body, JSON))
        .build();
  }

  private String error(Response r) {
    int code = r.code();
    if (code >= 200 && code < 300) {
      return "";
    }
    if (code >= 300 && code < 400) {
      String location = r.header("Location");
      return "Endpoint answered HTTP " + code + " (a redirect" + (location != null ? " to " + location : "")
          + "); redirects are not followed, so point the webhook at the final URL";
    }
    return "Endpoint answered HTTP " + code + "; a 2xx is needed";
  }

  private String describe(IOException e) {
    if (e instanceof TargetGuard.BlockedTargetException) {
      return e.getMessage();
    }
    if (e instanceof InterruptedIOException) {
      return "Timed out: no complete answer within " + timeout.toSeconds() + " s";
    }
    if (e instanceof ConnectException) {
      return "Connection refused or unreachable: " + e.getMessage();
    }
    if (e instanceof UnknownHostException) {
      return "Could not resolve the host: " + e.getMessage();
    }
    if (e instanceof SSLException) {
      return "TLS error: " + e.getMessage();
    }
    return "Request failed: " + e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
  }

  private static String readBounded(ResponseBody body) throws IOException {
    try (InputStream in = body.byteStream()) {
      byte[] bytes = in.readNBytes(MAX_RESPONSE_BODY_BYTES);
      // PostgreSQL text cannot hold NUL.
      return new String(bytes, StandardCharsets.UTF_8).replace('\u0000', '\uFFFD');
    }
  }

  private static Duration retryAfter(Response r) {
    if (r.code() != 429 && r.code() != 503) {
      return null;
    }
    String value = r.header("Retry-After");
    if (value == null) {
      return null;
    }
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
    } catch (NumberFormatException e) {
      try {
        Duration d = Duration.between(Instant.now(), ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
        return d.isNegative() ? Duration.ZERO : d;
      } catch (RuntimeException ignored) {
        return null;
      }
    }
  }

  private static Duration elapsed(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  @Override
  public void close() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
