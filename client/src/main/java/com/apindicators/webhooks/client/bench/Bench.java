package com.apindicators.webhooks.client.bench;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Runs the named workloads against a server, one after another, and measures the receiver's raw rate first. */
public final class Bench {
  /** The workloads by name, in the order they run. */
  public static final List<String> WORKLOADS = List.of("throughput", "fanout", "isolation", "latency", "publish", "memory");
  private static final int RAW_IN_FLIGHT = 64;

  /**
   * What to run.
   *
   * @param server host:port of a running server, or null to start one (serverJar, serverHeap)
   * @param receiverUrl an external receiver, or null for the bench's own on loopback
   * @param rawSeconds how long to measure the receiver's raw POST rate (0: skip)
   * @param warmupSeconds how long to run the publish workload first, not measured, so that the server's JIT has
   *     compiled its hot paths (0: none)
   */
  public record Options(String server, String adminKey, String metricsUrl, java.nio.file.Path serverJar,
      String serverHeap, String receiverUrl, List<String> workloads, int webhooks, int events, int publishers,
      int fanoutWebhooks, int fanoutAccounts, int rate, Duration duration, int watchers, int rawSeconds,
      int warmupSeconds, Duration hangingAnswer, boolean hangingQuick) {}

  /**
   * The results: the receiver's raw rate (NaN when not measured), a row per workload, the CPU seconds this bench's
   * own JVM used during each (it competes with the server when both run on one machine), and, from the server's
   * metrics (NaN without them), its process's CPU seconds during each and the seconds its JIT spent compiling then,
   * and the deliveries the warm-up lost (counted like a workload's: they fail the run too).
   */
  public record Report(double rawPostsPerSecond, List<Result> rows, List<Double> clientCpuSeconds,
      List<Double> serverCpuSeconds, List<Double> serverJitSeconds, long warmupLost) {}

  /** A workload in which the server's JIT took more than this share of its CPU ran on a server still warming up. */
  static final double COLD_JIT_SHARE = 0.2;

  private Bench() {}

  /** Runs the workloads; progress lines go to the consumer as each starts. */
  public static Report run(Options o, Consumer<String> progress) throws Exception {
    LocalServer local = o.server() == null ? new LocalServer(o.serverJar(), o.serverHeap()) : null;
    try (BenchReceiver receiver = o.receiverUrl() == null ? new BenchReceiver(8) : new BenchReceiver(o.receiverUrl());
         HangingEndpoints hanging = new HangingEndpoints(Settings.HANGING_ENDPOINTS, o.hangingAnswer(), o.hangingQuick())) {
      String server = local != null ? local.target() : o.server();
      String key = local != null ? local.adminKey() : o.adminKey();
      String metrics = local != null ? "http://127.0.0.1:" + local.metricsPort + "/metrics" : o.metricsUrl();
      Settings settings = new Settings(o.webhooks(), o.events(), o.publishers(), o.fanoutWebhooks(), o.fanoutAccounts(),
          o.rate(), o.duration(), o.watchers(), local != null);
      double raw = Double.NaN;
      if (o.rawSeconds() > 0) {
        progress.accept("raw: POSTs straight at the receiver for " + o.rawSeconds() + " s");
        raw = RawPostRate.measure(receiver.url("raw"), Duration.ofSeconds(o.rawSeconds()), RAW_IN_FLIGHT);
      }
      List<Result> rows = new ArrayList<>();
      List<Double> cpu = new ArrayList<>();
      List<Double> serverCpu = new ArrayList<>();
      List<Double> serverJit = new ArrayList<>();
      long warmupLost = 0;
      try (BenchTarget target = new BenchTarget(server, key, metrics)) {
        BurstWorkloads burst = new BurstWorkloads(target, receiver, settings);
        SteadyWorkloads steady = new SteadyWorkloads(target, receiver, settings);
        if (o.warmupSeconds() > 0) {
          // With the latency workload's watchers open, so the streams' paths are compiled too (here and there).
          int watchers = o.workloads().contains("latency") ? settings.watchers() : 0;
          progress.accept("warm-up: publish for " + o.warmupSeconds() + " s with " + watchers + " watchers,"
              + " not measured");
          Result warm = new SteadyWorkloads(target, receiver, settings.lasting(Duration.ofSeconds(o.warmupSeconds())))
              .publish("warmup", watchers);
          progress.accept(String.format("warm-up: %.0f publish calls/s, %d errors, %d lost", warm.publishPerSecond(),
              warm.errors(), warm.lost()));
          warmupLost = warm.lost();
          if (o.workloads().contains("throughput")) {
            // A burst takes paths that publishes one at a time do not (lanes filling, parking, batches of
            // thousands): after 120 s of publish-only warm-up, the first throughput run's server still counted 14 s of
            // compiling against 11 CPU-s, and delivered 4,927/s against 7,322/s for the second (README, eleventh round).
            progress.accept("warm-up: one throughput burst, not measured");
            Result burstWarm = burst.throughput("warmup-throughput");
            progress.accept(String.format("warm-up: %.0f deliveries/s, %d errors, %d lost",
                burstWarm.deliveriesPerSecond(), burstWarm.errors(), burstWarm.lost()));
            warmupLost += burstWarm.lost();
          }
        }
        for (String w : o.workloads()) {
          progress.accept(w + ": running");
          double cpuBefore = cpuSeconds();
          BenchTarget.ServerCpu serverBefore = target.serverCpu();
          rows.add(switch (w) {
            case "throughput" -> burst.throughput();
            case "fanout" -> burst.fanout();
            case "isolation" -> steady.isolation(hanging);
            case "latency" -> steady.latency();
            case "publish" -> steady.publish();
            case "memory" -> new MemoryWorkload(target, settings).run(hanging);
            default -> throw new IllegalArgumentException("unknown workload '" + w + "'; workloads: " + WORKLOADS);
          });
          cpu.add(cpuSeconds() - cpuBefore);
          BenchTarget.ServerCpu serverAfter = target.serverCpu();
          BenchTarget.ServerCpu spent = serverBefore == null || serverAfter == null ? null
              : serverAfter.since(serverBefore);
          serverCpu.add(spent == null ? Double.NaN : spent.cpuSeconds());
          serverJit.add(spent == null ? Double.NaN : spent.jitSeconds());
        }
      }
      return new Report(raw, rows, cpu, serverCpu, serverJit, warmupLost);
    } finally {
      if (local != null) {
        local.close();
      }
    }
  }

  /** The report as a table a person reads. */
  public static void print(Report report, PrintWriter out) {
    out.printf("%-11s %12s %10s  %-31s %-23s %6s %6s %5s %8s%n", "workload", "deliveries/s", "publish/s",
        "received ms p50/p90/p99/max", "stream ms p50/p99", "errors", "failed", "lost", "heap MiB");
    for (Result r : report.rows()) {
      out.printf("%-11s %12s %10.0f  %-31s %-23s %6d %6d %5d %8s%n", r.workload(),
          Double.isNaN(r.deliveriesPerSecond()) ? "-" : String.format("%.0f", r.deliveriesPerSecond()),
          r.publishPerSecond(), ms(r.received(), true), ms(r.streamUpdate(), false), r.errors(), r.failed(), r.lost(),
          r.heapBytes() < 0 ? "-" : Long.toString(r.heapBytes() >> 20));
    }
    for (Result r : report.rows()) {
      out.println(r.workload() + ": " + r.note());
    }
    List<String> cpu = new ArrayList<>();
    for (int i = 0; i < report.rows().size(); i++) {
      cpu.add(String.format("%s %.1f s", report.rows().get(i).workload(), report.clientCpuSeconds().get(i)));
    }
    out.println("this bench client's own CPU (it competes with a server on the same machine): "
        + String.join(", ", cpu));
    List<String> server = new ArrayList<>();
    boolean cold = false;
    for (int i = 0; i < report.rows().size(); i++) {
      double spent = report.serverCpuSeconds().get(i);
      double jit = report.serverJitSeconds().get(i);
      if (!Double.isNaN(spent)) {
        server.add(String.format("%s %.1f s (%.1f s)", report.rows().get(i).workload(), spent, jit));
        cold |= !Double.isNaN(jit) && jit > COLD_JIT_SHARE * spent;
      }
    }
    if (!server.isEmpty()) {
      out.println("the server's CPU (and its JIT's compiling time, summed over its compiler threads), from its"
          + " metrics: " + String.join(", ", server));
    }
    if (cold) {
      out.println("the server may still have been warming up: its JIT compiled for more than a fifth of its CPU time"
          + " in a workload (a fresh server on 2 cores needs --warmup 120)");
    }
    if (!Double.isNaN(report.rawPostsPerSecond())) {
      out.printf("receiver raw POST rate: %.0f/s (%d in flight, Apache HttpClient 5 as the server sends, after %d s not"
          + " counted, same machine)%n", report.rawPostsPerSecond(), RAW_IN_FLIGHT, RawPostRate.WARMUP.toSeconds());
      report.rows().stream().filter(r -> r.workload().equals("throughput")).findFirst().ifPresent(r ->
          out.printf("throughput as a fraction of the raw rate: %.3f%n", r.deliveriesPerSecond() / report.rawPostsPerSecond()));
    }
    out.flush();
  }

  /** CPU seconds this JVM has used (all its threads), or NaN where the platform does not tell. */
  private static double cpuSeconds() {
    return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
  }

  private static String ms(org.HdrHistogram.Histogram h, boolean full) {
    var p = Result.percentiles(h);
    if (p == null) {
      return "-";
    }
    return full ? String.format("%.1f/%.1f/%.1f/%.1f", p.get("p50"), p.get("p90"), p.get("p99"), p.get("max"))
        : String.format("%.1f/%.1f", p.get("p50"), p.get("p99"));
  }
}
