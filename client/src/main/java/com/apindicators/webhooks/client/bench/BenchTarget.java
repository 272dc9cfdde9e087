package com.apindicators.webhooks.client.bench;

import com.apindicators.webhooks.client.WebhooksClient;
import com.apindicators.webhooks.v1.CreateApiKeyResponse;
import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.DeliveryStatus;
import com.apindicators.webhooks.v1.ListDeliveriesRequest;
import com.apindicators.webhooks.v1.Plan;
import com.apindicators.webhooks.v1.PublishEventRequest;
import com.apindicators.webhooks.v1.PublishEventResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The server under test as the bench uses it: accounts, webhooks and events of its own, through the public API. */
final class BenchTarget implements AutoCloseable {
  private static final Pattern HEAP = Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\"[^}]*}\\s+(\\S+)");
  private static final Pattern ENDED = Pattern.compile(
      "(?m)^webhooks_delivery_attempts_total\\{[^}]*outcome=\"(?:delivered|failed)\"[^}]*}\\s+(\\S+)");
  private static final Pattern OLD_GEN_AFTER_GC = Pattern.compile(
      "(?m)^jvm_memory_pool_collection_used_bytes\\{pool=\"(?:G1 Old Gen|PS Old Gen|Tenured Gen)\"}\\s+(\\S+)");
  private static final Pattern WRITER_QUEUED = Pattern.compile("(?m)^webhooks_result_writer_queued\\s+(\\S+)");
  private static final Pattern WRITER_LAG = Pattern.compile("(?m)^webhooks_result_writer_lag_seconds\\s+(\\S+)");
  private static final Pattern CPU = Pattern.compile("(?m)^process_cpu_seconds_total\\s+(\\S+)");
  private static final Pattern JIT = Pattern.compile("(?m)^jvm_compilation_time_seconds_total\\s+(\\S+)");
  private final HttpClient metricsClient = HttpClient.newHttpClient();
  final WebhooksClient admin;
  final String server;
  private final String metricsUrl;
  private final String runId = Long.toString(System.currentTimeMillis(), 36);
  private final ExecutorService calls = Executors.newFixedThreadPool(8);
  private final List<String> keys = Collections.synchronizedList(new ArrayList<>());

  BenchTarget(String server, String adminKey, String metricsUrl) throws IOException {
    this.server = server;
    this.metricsUrl = metricsUrl;
    this.admin = WebhooksClient.connect(server, adminKey, null, null, null);
  }

  /** Fresh accounts for one workload, on the plan without a webhook limit. */
  List<String> accounts(String workload, int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = "bench-" + runId + "-" + workload + "-" + i;
      admin.setPlan(id, Plan.PLAN_BUSINESS);
      ids.add(id);
    }
    return ids;
  }

  /** Creates webhooks subscribed to signal.buy in parallel; request i is built by the function; returns their ids. */
  List<String> webhooks(int count, IntFunction<CreateWebhookRequest> request) throws Exception {
    return all(count, i -> () -> admin.createWebhook(request.apply(i)).getWebhook().getWebhookId());
  }

  static CreateWebhookRequest webhook(String account, String name, String url) {
    return CreateWebhookRequest.newBuilder().setAccountId(account).setName(name).setUrl(url)
        .addEvents("signal.buy").build();
  }

  /** Deletes the webhooks so nothing of the workload keeps posting. */
  void delete(List<String> webhookIds) throws Exception {
    cleanUp(webhookIds, "delete webhook", admin::deleteWebhook);
  }

  /**
   * Applies the clean-up to each id in parallel. Cleaning up is not the measurement: what fails is said (what was
   * left behind), and the results are still printed.
   */
  private void cleanUp(List<String> ids, String what, Consumer<String> action) throws Exception {
    List<String> failed = all(ids.size(), i -> () -> {
      try {
        action.accept(ids.get(i));
        return null;
      } catch (RuntimeException e) {
        return ids.get(i) + ": " + e.getMessage();
      }
    }).stream().filter(java.util.Objects::nonNull).toList();
    failed.forEach(f -> System.err.println("bench: could not " + what + " " + f));
  }

  /** Publishes a signal.buy carrying its sequence number to one account (or every account when null). */
  PublishEventResponse publish(String account, long seq) {
    PublishEventRequest.Builder b = PublishEventRequest.newBuilder().setType("signal.buy")
        .setDataJson("{\"pair\":\"BTCUSDT\",\"side\":\"buy\",\"score\":0.87,\"market_type\":\"trending\","
            + "\"interval\":\"1h\",\"bench_seq\":" + seq + "}");
    if (account != null) {
      b.setAccountId(account);
    }
    return admin.publish(b.build());
  }

  /** How many of the accounts' deliveries are still pending and how many ended failed. */
  record Settled(long pending, long failed) {}

  /** The accounts' deliveries not delivered, waiting up to the timeout for the pending ones to end. */
  Settled settle(List<String> accounts, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long pending = count(accounts, DeliveryStatus.DELIVERY_STATUS_PENDING);
      if (pending == 0 || System.nanoTime() > deadline) {
        return new Settled(pending, count(accounts, DeliveryStatus.DELIVERY_STATUS_FAILED));
      }
      Thread.sleep(200);
    }
  }

  /** Whether any delivery of these accounts is still pending (one row's page per account: cheap to poll). */
  boolean anyPending(List<String> accounts) {
    for (String account : accounts) {
      if (!admin.listDeliveries(ListDeliveriesRequest.newBuilder().setAccountId(account)
          .addStatuses(DeliveryStatus.DELIVERY_STATUS_PENDING).setPageSize(1).build(), 1).isEmpty()) {
        return true;
      }
    }
    return false;
  }

  private long count(List<String> accounts, DeliveryStatus status) {
    long n = 0;
    for (String account : accounts) {
      n += admin.listDeliveries(ListDeliveriesRequest.newBuilder().setAccountId(account).addStatuses(status)
          .setPageSize(500).build(), 100_000).size();
    }
    return n;
  }

  /**
   * A client with a new key of this account (watch streams are limited per key). The key stays live until
   * {@link #revokeKeys}: on a shared server a bench run must leave no credential behind.
   */
  WebhooksClient accountClient(String account) throws IOException {
    CreateApiKeyResponse created = admin.createApiKey(account, "bench watcher");
    keys.add(created.getKeyId());
    return WebhooksClient.connect(server, created.getApiKey(), null, null, null);
  }

  /** Revokes every key {@link #accountClient} made so far (call once their clients are closed). */
  void revokeKeys() throws Exception {
    List<String> made;
    synchronized (keys) {
      made = new ArrayList<>(keys);
      keys.clear();
    }
    cleanUp(made, "revoke API key", admin::revokeApiKey);
  }

  /** The server's heap in use from its metrics endpoint, or -1 when it has none. */
  long heapBytes() {
    String text = metrics();
    return text == null ? -1 : sum(HEAP, text);
  }

  /**
   * The server's old generation as its last collection left it (what survives garbage collection), or -1 when its
   * metrics do not say.
   */
  long oldGenAfterGcBytes() {
    String text = metrics();
    return text == null ? -1 : sum(OLD_GEN_AFTER_GC, text);
  }

  /**
   * The server process's CPU seconds so far, and the seconds its JIT compilers have spent compiling (as the JVM
   * counts them: time in compilations, not CPU).
   */
  record ServerCpu(double cpuSeconds, double jitSeconds) {
    /** What was spent since {@code before}. */
    ServerCpu since(ServerCpu before) {
      return new ServerCpu(cpuSeconds - before.cpuSeconds, jitSeconds - before.jitSeconds);
    }
  }

  /**
   * The server's CPU so far from its metrics endpoint, or null when it has none or does not say; the JIT's time is
   * NaN when only that is missing (a JVM without compilation-time monitoring).
   */
  ServerCpu serverCpu() {
    String text = metrics();
    Matcher cpu = text == null ? null : CPU.matcher(text);
    if (cpu == null || !cpu.find()) {
      return null;
    }
    Matcher jit = JIT.matcher(text);
    return new ServerCpu(Double.parseDouble(cpu.group(1)), jit.find() ? Double.parseDouble(jit.group(1)) : Double.NaN);
  }

  /** Attempts that ended (delivered or failed) so far, and results not yet written. */
  record Progress(long ended, long unwritten) {}

  /** The server's delivery progress from its metrics endpoint (no database read), or null when it has none. */
  Progress progress() {
    String text = metrics();
    if (text == null) {
      return null;
    }
    long ended = sum(ENDED, text);
    long queued = sum(WRITER_QUEUED, text);
    long lagging = sum(WRITER_LAG, text);
    return ended < 0 || queued < 0 ? null : new Progress(ended, queued + Math.max(0, lagging));
  }

  private String metrics() {
    if (metricsUrl == null) {
      return null;
    }
    try {
      return metricsClient.send(HttpRequest.newBuilder(URI.create(metricsUrl)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException | InterruptedException | RuntimeException e) {
      return null;
    }
  }

  /** The sum of a metric's samples (rounded up, so a lag of 0.2 s counts), or -1 when it has none. */
  private static long sum(Pattern metric, String text) {
    Matcher m = metric.matcher(text);
    long sum = 0;
    boolean found = false;
    while (m.find()) {
      sum += (long) Math.ceil(Double.parseDouble(m.group(1)));
      found = true;
    }
    return found ? sum : -1;
  }

  private <T> List<T> all(int count, IntFunction<Callable<T>> task) throws Exception {
    List<Future<T>> futures = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      futures.add(calls.submit(task.apply(i)));
    }
    List<T> results = new ArrayList<>();
    for (Future<T> f : futures) {
      results.add(f.get());
    }
    return results;
  }

  @Override
  public void close() throws Exception {
    // Also those of a workload that failed before closing its clients.
    revokeKeys();
    calls.shutdownNow();
    admin.close();
  }
}
