package com.apindicators.webhooks.server.delivery;

import com.apindicators.webhooks.server.registry.KeyQuota;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.MessageConstraintException;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.RequestNotExecutedException;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Sends one signed POST per attempt with Apache HttpClient 5 (non-blocking): a total timeout, no redirects, no
 * automatic retries, bounded response reads, and hosts resolved through the {@link TargetGuard}.
 */
public final class HttpSender implements AutoCloseable {
  public static final int MAX_RESPONSE_BODY_BYTES = 16 * 1024;
  public static final String USER_AGENT = "APIndicators-Webhooks/1.0";
  /** The longest Retry-After taken as given (retry policies cap it lower); larger values would overflow. */
  static final long MAX_RETRY_AFTER_SECONDS = 365L * 24 * 3600;
  /**
   * Pooled connections in all, as a multiple of those one endpoint may have: the lanes move the in-flight share
   * between endpoints from moment to moment, and a pool full at its total closes another endpoint's idle
   * connection for each new one (a TCP connect and new buffers per request: a third of the JVM's CPU in
   * the throughput benchmark). Idle ones are evicted after {@link #IDLE_EVICTION}.
   */
  static final int POOL_TOTAL_FACTOR = 4;
  /**
   * An HTTP/1.1 answer's longest line (status, header, chunk size) and most header fields; an answer beyond either
   * fails at once ("breaks a limit"), not read on. The library's defaults, set here so that they cannot change under us: with them an answer's
   * header section is at most about 800 KiB, held while the attempt lasts. Answers are always HTTP/1.1 (below).
   */
  static final int MAX_HEADER_LINE = 8 * 1024;
  static final int MAX_HEADER_FIELDS = 100;
  static final TimeValue IDLE_EVICTION = TimeValue.ofSeconds(30);
  /** How many times one attempt's request is sent again after its connection closed unanswered (closedUnanswered). */
  static final int MAX_RESENDS = 1;
  private static final ContentType JSON = ContentType.create("application/json");
  private final CloseableHttpAsyncClient client;
  private final TargetGuard guard;
  private final SecretBox secrets;
  private final Duration timeout;
  private final RotatedSecrets rotated;
  /**
   * Name lookups in progress at most. A lookup cannot be interrupted (it ends when the system's resolver gives up),
   * so one outlives its attempt's deadline; beyond this many, an attempt fails at once ("too many lookups") rather
   * than the process making threads without bound.
   */
  static final int MAX_LOOKUPS = 128;
  /**
   * Name lookups one account's attempts may have in progress at once: half of {@link #MAX_LOOKUPS}, and fewer than
   * are free (half of what other accounts leave), as for its attempts' slots ({@code AccountSlots}). Beyond it that
   * account's attempt fails at once; without it, one tenant's silent name servers held every lookup thread, and
   * every other tenant's names then failed at once; with half each, two tenants' did.
   */
  static final int MAX_LOOKUPS_PER_ACCOUNT = MAX_LOOKUPS / 2;
  /** Lookups in progress by account; an account without any has no entry (at most {@link #MAX_LOOKUPS} entries). */
  private final KeyQuota lookupsByAccount = new KeyQuota(MAX_LOOKUPS_PER_ACCOUNT, MAX_LOOKUPS);
  /** Where names are looked up: a thread per lookup in progress, so a slow name server holds only its own lookups. */
  private final ExecutorService lookups = new ThreadPoolExecutor(0, MAX_LOOKUPS, 30, TimeUnit.SECONDS,
      new SynchronousQueue<>(), r -> {
        Thread t = new Thread(r, "delivery-lookup");
        t.setDaemon(true);
        return t;
      });
  private final ScheduledThreadPoolExecutor deadlines = new ScheduledThreadPoolExecutor(1, r -> {
    Thread t = new Thread(r, "delivery-deadlines");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param timeout the whole attempt's budget, connect to last byte (our docs promise receivers 10 s)
   * @param maxConnections pooled connections per endpoint ({@link #POOL_TOTAL_FACTOR} times that in all, mostly
   *     idle); the dispatcher bounds requests tighter
   */
  public HttpSender(TargetGuard guard, SecretBox secrets, Duration timeout, int maxConnections) {
    this(guard, secrets, timeout, maxConnections, new RotatedSecrets(secrets, Duration.ZERO));
  }

  /** As above; each attempt is signed with its webhook's secrets as {@code rotated} knows them when it starts. */
  HttpSender(TargetGuard guard, SecretBox secrets, Duration timeout, int maxConnections, RotatedSecrets rotated) {
    this.guard = guard;
    this.secrets = secrets;
    this.rotated = rotated;
    this.timeout = timeout;
    deadlines.setRemoveOnCancelPolicy(true);
    Timeout t = Timeout.of(timeout);
    this.client = HttpAsyncClients.custom()
        .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
            // Names are looked up ahead (startExchange) and dialled by address (CheckedRoutes): this one only ever
            // sees a literal address, and refuses a name rather than look it up on an I/O thread.
            .setDnsResolver(guard.withoutLookups())
            .setMaxConnTotal(maxConnections * POOL_TOTAL_FACTOR)
            .setMaxConnPerRoute(maxConnections)
            // HTTP/1.1 only, also to an endpoint that offers HTTP/2 (ALPN): over HTTP/2 an endpoint sends control
            // frames the client must answer, and a PING flood on a pooled connection kept one of the client's I/O
            // threads, shared by every tenant's sends, 85% busy for as long as the connection lived. Over HTTP/1.1
            // bytes nobody asked for close the connection.
            .setDefaultTlsConfig(TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build())
            .setDefaultConnectionConfig(ConnectionConfig.custom()
                .setConnectTimeout(t).setSocketTimeout(t).setTimeToLive(TimeValue.ofMinutes(5)).build())
            .build())
        .setIOReactorConfig(IOReactorConfig.custom().setSoTimeout(t).setTcpNoDelay(true).build())
        .setIoSessionDecorator(new AnswerBudget())
        .setRoutePlanner(new CheckedRoutes())
        .setHttp1Config(Http1Config.custom().setMaxLineLength(MAX_HEADER_LINE).setMaxHeaderCount(MAX_HEADER_FIELDS)
            .build())
        .disableRedirectHandling()
        // Answers are kept as sent, never inflated: the client's gzip reader copied its whole header buffer for each
        // byte of a header field that never ends, on an I/O thread no deadline can stop (quadratic, unbounded), so
        // one endpoint answering that way froze every tenant's deliveries. Nor do we ask for compression.
        .disableContentCompression()
        // A POST that may have reached the receiver is never silently sent again; retries are the policy's job.
        .disableAutomaticRetries()
        .disableCookieManagement()
        .disableAuthCaching()
        .evictIdleConnections(IDLE_EVICTION)
        .build();
    client.start();
  }

  /** Sends the job's attempt and reports the result exactly once. */
  public void send(DeliveryJob job, Consumer<AttemptResult> done) {
    Instant start = Instant.now();
    long startNanos = System.nanoTime();
    SimpleHttpRequest request;
    String host;
    try {
      host = URI.create(job.url()).getHost();
      guard.checkLiteral(host);
      request = request(job, start.getEpochSecond());
    } catch (IllegalArgumentException e) {
      done.accept(new AttemptResult(start, Duration.ZERO, 0, "", "Invalid URL: " + e.getMessage(), null));
      return;
    } catch (TargetGuard.BlockedTargetException e) {
      done.accept(new AttemptResult(start, Duration.ZERO, 0, "", e.getMessage(), null));
      return;
    } catch (IllegalStateException e) {
      done.accept(new AttemptResult(start, Duration.ZERO, 0, "", "Could not sign: " + e.getMessage(), null));
      return;
    }
    AtomicBoolean reported = new AtomicBoolean();
    AtomicReference<ScheduledFuture<?>> deadline = new AtomicReference<>();
    Consumer<AttemptResult> once = r -> {
      if (reported.compareAndSet(false, true)) {
        ScheduledFuture<?> d = deadline.get();
        if (d != null) {
          d.cancel(false);
        }
        done.accept(r);
      }
    };
    Consumer<BoundedBodyConsumer.Result> answered = r ->
        once.accept(new AttemptResult(start, elapsed(startNanos), r.code(), r.body(), error(r), retryAfter(r)));
    // A body longer than we keep is not read to its end (it may never end): the answer is what we kept, and the
    // consumer then fails the exchange, closing the connection. One per exchange (a closed connection's is sent again).
    AtomicReference<BoundedBodyConsumer> consumer = new AtomicReference<>();
    AtomicInteger resent = new AtomicInteger();
    AtomicReference<Future<BoundedBodyConsumer.Result>> exchange = new AtomicReference<>();
    // The deadline counts from the start, the lookup of the host included. It and the start of the exchange take
    // turns (the exchange's lock): an exchange starts only if the deadline has not passed, and one that started is
    // cancelled by it.
    deadline.set(deadlines.schedule(() -> {
      synchronized (exchange) {
        // cancel() alone leaves the connection reading whatever the endpoint still sends.
        BoundedBodyConsumer c = consumer.get();
        if (c != null) {
          c.abandon();
        }
        Future<BoundedBodyConsumer.Result> f = exchange.get();
        if (f != null) {
          f.cancel(true);
        }
        once.accept(new AttemptResult(start, elapsed(startNanos), 0, "", timedOut(), null));
      }
    }, timeout.toMillis(), TimeUnit.MILLISECONDS));
    if (reported.get()) {
      deadline.get().cancel(false);
    }
    // Dials the checked addresses in turn (null: a literal address URL): one that refuses the connection, or cannot
    // be reached, passes the attempt to the next, within the deadline; nothing was sent to it.
    Dial[] dial = new Dial[1];
    dial[0] = (addresses, i) -> {
      synchronized (exchange) {
        if (reported.get()) {
          return;
        }
        HttpClientContext context = HttpClientContext.create();
        context.setAttribute(CheckedRoutes.ADDRESS, addresses == null ? null : addresses[i]);
        BoundedBodyConsumer answer = new BoundedBodyConsumer(MAX_RESPONSE_BODY_BYTES, answered);
        consumer.set(answer);
        FutureCallback<BoundedBodyConsumer.Result> callback = new FutureCallback<>() {
          @Override
          public void completed(BoundedBodyConsumer.Result r) {
            answered.accept(r);
          }

          @Override
          public void failed(Exception e) {
            if (addresses != null && i + 1 < addresses.length && notConnected(e)) {
              dial[0].at(addresses, i + 1);
              return;
            }
            if (closedUnanswered(e) && !answer.heardBack() && resent.getAndIncrement() < MAX_RESENDS) {
              dial[0].at(addresses, i); // within the deadline, on another connection
              return;
            }
            once.accept(new AttemptResult(start, elapsed(startNanos), 0, "", describe(e), null));
          }

          @Override
          public void cancelled() {
            once.accept(new AttemptResult(start, elapsed(startNanos), 0, "", timedOut(), null));
          }
        };
        // Kept only if no next address was dialled meanwhile (a failure reported within execute): the deadline
        // cancels the exchange in progress.
        Future<BoundedBodyConsumer.Result> before = exchange.get();
        exchange.compareAndSet(before,
            client.execute(SimpleRequestProducer.create(request), answer, context, callback));
      }
    };
    try {
      startExchange(host, job.accountId(), dial[0], once, start, startNanos);
    } catch (RuntimeException e) {
      // Reported here, once: the caller must not report it again (the deadline would, a second time).
      once.accept(new AttemptResult(start, elapsed(startNanos), 0, "", describe(e), null));
    }
  }

  /** Dials the exchange at the {@code i}th of these checked addresses (null: the URL's literal address). */
  @FunctionalInterface
  private interface Dial {
    void at(InetAddress[] addresses, int i);
  }

  /**
   * Whether an exchange failed because its connection was closed before the endpoint answered anything: mostly a
   * kept-alive connection the endpoint closed as idle (Node.js closes them after 5 s, gunicorn after 2 s) just as the
   * request went out on it, or one already closed when it was taken from the pool. Measured with an endpoint closing
   * connections idle for 100 ms and attempts about 100 ms apart: 20 of 200 attempts failed so. Such an exchange is
   * sent again on another connection within the attempt's deadline, at most {@link #MAX_RESENDS} times; an endpoint
   * that read the request and closed without answering may then see it more than once (delivery is at-least-once,
   * {@code X-Webhook-Id} is the same).
   */
  static boolean closedUnanswered(Exception e) {
    return e instanceof RequestNotExecutedException || e instanceof ConnectionClosedException
        || e instanceof SocketException && (String.valueOf(e.getMessage()).contains("Connection reset")
            || String.valueOf(e.getMessage()).contains("Broken pipe"));
  }

  /** Whether an exchange failed before a connection was made: nothing reached the endpoint. */
  private static boolean notConnected(Exception e) {
    return e instanceof ConnectException || e instanceof NoRouteToHostException;
  }

  /**
   * Starts the exchange: at once for an address, after the name's lookup on a thread of its own for a name, at the
   * addresses the lookup checked, in turn.
   */
  private void startExchange(String host, String account, Dial dial, Consumer<AttemptResult> once, Instant start,
      long startNanos) {
    if (TargetGuard.isAddress(host)) {
      dial.at(null, 0);
      return;
    }
    // A name is looked up here, on a thread of its own, never on the caller's: send() runs on the HTTP client's I/O
    // threads and the deadline thread too (as attempts end, the next start), and a tenant's name server that
    // answers slowly or never held those threads, and every tenant's sends with them. The connection dials the
    // checked address (CheckedRoutes), so it looks nothing up either: before, it asked the guard again, which looked
    // the name up on the I/O thread whenever the guard no longer remembered it (its 10,000 names full of one
    // tenant's, or 10 s gone by).
    Runnable giveBack = lookupsByAccount.tryAcquire(account == null ? "" : account);
    if (giveBack == null) {
      once.accept(new AttemptResult(start, elapsed(startNanos), 0, "", "Not sent: this account's attempts already had "
          + "as many name lookups in progress as it may (at most " + MAX_LOOKUPS_PER_ACCOUNT + ", and fewer than are"
          + " free; its name servers answering slowly or not at all); nothing was sent", null));
      return;
    }
    try {
      lookups.execute(() -> {
        InetAddress[] checked;
        try {
          checked = guard.resolve(host);
          if (checked.length == 0) {
            throw new UnknownHostException(host + " has no address");
          }
        } catch (UnknownHostException | RuntimeException e) {
          once.accept(new AttemptResult(start, elapsed(startNanos), 0, "", describe(e), null));
          return;
        } finally {
          giveBack.run();
        }
        dial.at(checked, 0);
      });
    } catch (RuntimeException e) {
      giveBack.run(); // not started (all lookup threads busy): the caller reports it
      throw e;
    }
  }

  /**
   * The POST for an attempt, with the body and every signature header: X-Webhook-Signature with the current
   * secret (the newest a rotation known here left, if one replaced the secret the job was read with);
   * webhook-signature with it and, for 24 hours after a rotation, the previous one too.
   */
  SimpleHttpRequest request(DeliveryJob read, long attemptEpochSeconds) {
    DeliveryJob job = rotated.current(read);
    byte[] body = Payload.body(job.eventType(), job.eventTime(), job.dataJson());
    String ts = Long.toString(attemptEpochSeconds);
    String secret = secrets.open(job.signingSecret());
    String standard = Signer.standardSignature(secret, job.deliveryId(), attemptEpochSeconds, body);
    if (job.previousSigningSecret() != null) {
      standard += " " + Signer.standardSignature(secrets.open(job.previousSigningSecret()), job.deliveryId(),
          attemptEpochSeconds, body);
    }
    return SimpleRequestBuilder.post(job.url())
        .setHeader("User-Agent", USER_AGENT)
        .setHeader("X-Webhook-Signature", Signer.docsSignature(secret, body))
        .setHeader("X-Webhook-Id", job.deliveryId())
        .setHeader("X-Webhook-Event", job.eventType())
        .setHeader("X-Webhook-Timestamp", ts)
        .setHeader("webhook-id", job.deliveryId())
        .setHeader("webhook-timestamp", ts)
        .setHeader("webhook-signature", standard)
        .setBody(body, JSON)
        .build();
  }

  private String timedOut() {
    return "Timed out: no complete answer within " + timeout.toSeconds() + " s";
  }

  private static String error(BoundedBodyConsumer.Result r) {
    int code = r.code();
    if (code >= 200 && code < 300) {
      return "";
    }
    if (code >= 300 && code < 400) {
      return "Endpoint answered HTTP " + code + " (a redirect" + (r.location() != null ? " to " + r.location() : "")
          + "); redirects are not followed, so point the webhook at the final URL";
    }
    return "Endpoint answered HTTP " + code + "; a 2xx is needed";
  }

  private String describe(Exception e) {
    if (e instanceof RejectedExecutionException) {
      return "Not sent: " + MAX_LOOKUPS + " name lookups were already in progress (name servers answering slowly or"
          + " not at all); nothing was sent";
    }
    if (e instanceof TargetGuard.BlockedTargetException) {
      return e.getMessage();
    }
    if (e instanceof InterruptedIOException) {
      return timedOut();
    }
    if (e instanceof ConnectException) {
      return "Connection refused or unreachable: " + e.getMessage();
    }
    if (e instanceof UnknownHostException) {
      return "Could not resolve the host: " + e.getMessage();
    }
    if (e instanceof SSLException) {
      if (String.valueOf(e.getMessage()).contains("no_application_protocol")) {
        return "TLS error: the endpoint speaks only HTTP/2 (ALPN); webhooks are sent over HTTP/1.1, so let it offer"
            + " http/1.1 too (" + e.getMessage() + ")";
      }
      return "TLS error: " + e.getMessage();
    }
    if (e instanceof AnswerBudget.Exceeded) {
      return e.getMessage();
    }
    if (e instanceof MessageConstraintException) {
      return "The answer breaks a limit: at most " + MAX_HEADER_FIELDS + " header fields, and lines (status, header,"
          + " chunk size) of at most " + MAX_HEADER_LINE + " bytes (" + e.getMessage() + ")";
    }
    if (e instanceof ProtocolException) {
      return "The endpoint broke HTTP/1.1: " + e.getMessage();
    }
    return "Request failed: " + e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
  }

  private static Duration retryAfter(BoundedBodyConsumer.Result r) {
    if ((r.code() != 429 && r.code() != 503) || r.retryAfter() == null) {
      return null;
    }
    String value = r.retryAfter().trim();
    try {
      return Duration.ofSeconds(Math.max(0, Math.min(Long.parseLong(value), MAX_RETRY_AFTER_SECONDS)));
    } catch (NumberFormatException e) {
      try {
        Duration d = Duration.between(Instant.now(), ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME));
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
    deadlines.shutdownNow();
    lookups.shutdownNow();
    client.close(CloseMode.GRACEFUL);
  }
}
