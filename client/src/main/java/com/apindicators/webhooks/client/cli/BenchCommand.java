package com.apindicators.webhooks.client.cli;

import com.apindicators.webhooks.client.bench.Bench;
import com.apindicators.webhooks.client.bench.Result;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bench}: the performance workloads against a server (or one of its own), printed as one table. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure a server: throughput, fanout, isolation, latency (with watchers) and publish workloads,"
        + " with a loopback receiver of its own. Needs an admin key; creates accounts named bench-... and deletes"
        + " their webhooks after each workload.")
final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Option(names = "--local", description = "start a server of its own (the server jar on embedded PostgreSQL in a"
      + " temporary directory) instead of using --server")
  boolean local;
  @Option(names = "--server-jar", defaultValue = "server/target/webhooks-server.jar",
      description = "with --local: the server jar (default ${DEFAULT-VALUE})")
  Path serverJar;
  @Option(names = "--server-heap", defaultValue = "512m", description = "with --local: the server's -Xmx (default ${DEFAULT-VALUE})")
  String serverHeap;
  @Option(names = "--metrics-url", description = "the server's Prometheus endpoint, to report its heap (automatic with --local)")
  String metricsUrl;
  @Option(names = "--receiver-url", description = "post to this receiver (e.g. nginx answering 204) instead of the"
      + " bench's own; latencies are then not measured and deliveries are counted from the server's log")
  String receiverUrl;
  @Option(names = {"-w", "--workloads"}, split = ",", defaultValue = "throughput,fanout,isolation,latency,publish",
      description = "which to run, in order: throughput, fanout, isolation, latency, publish, memory (overload:"
          + " publishing to endpoints that never answer while the server's heap is sampled; not in the default)"
          + " (default ${DEFAULT-VALUE})")
  List<String> workloads;
  @Option(names = "--webhooks", defaultValue = "100", description = "throughput: webhooks (default ${DEFAULT-VALUE})")
  int webhooks;
  @Option(names = "--events", defaultValue = "300", description = "throughput: events to all of them (default ${DEFAULT-VALUE})")
  int events;
  @Option(names = "--publishers", defaultValue = "8", description = "publish calls in flight (default ${DEFAULT-VALUE})")
  int publishers;
  @Option(names = "--fanout-webhooks", defaultValue = "10000", description = "fanout: webhooks (default ${DEFAULT-VALUE})")
  int fanoutWebhooks;
  @Option(names = "--fanout-accounts", defaultValue = "10", description = "fanout: accounts they are spread over (default ${DEFAULT-VALUE})")
  int fanoutAccounts;
  @Option(names = "--rate", defaultValue = "1000", description = "latency and memory: events/s; isolation: deliveries/s to the fast webhooks (default ${DEFAULT-VALUE})")
  int rate;
  @Option(names = "--seconds", defaultValue = "10", description = "latency, publish, isolation and memory: how long to publish (default ${DEFAULT-VALUE})")
  int seconds;
  @Option(names = "--watchers", defaultValue = "1000", description = "latency: WatchDeliveries streams open (default ${DEFAULT-VALUE})")
  int watchers;
  @Option(names = "--hanging-answer", defaultValue = "0", description = "isolation and memory: the hanging endpoints"
      + " answer 200 after this many seconds instead of never (inside the server's 10 s timeout such endpoints earn"
      + " full lanes; 0 = never; default ${DEFAULT-VALUE})")
  int hangingAnswerSeconds;
  @Option(names = "--hanging-quick", description = "with --hanging-answer: answer every other request on a connection"
      + " at once, so the endpoints keep a recent 2xx (and full lanes) while the others wait; how one account would"
      + " try to hold the most delivery slots")
  boolean hangingQuick;
  @Option(names = "--raw-seconds", defaultValue = "3", description = "how long to measure the receiver's raw POST rate, 0 to skip (default ${DEFAULT-VALUE})")
  int rawSeconds;
  @Option(names = "--warmup", defaultValue = "60", description = "publish for this many seconds first, not measured,"
      + " so that the JITs of this bench and of the server have compiled their hot paths (a fresh server on 2 cores"
      + " needs about 120; 0 for none; default ${DEFAULT-VALUE})")
  int warmupSeconds;

  @Override
  public Integer call() throws Exception {
    WebhooksCli root = WebhooksCli.root(spec);
    for (String w : workloads) {
      if (!Bench.WORKLOADS.contains(w)) {
        throw new WebhooksCli.UsageException("unknown workload '" + w + "'; workloads: " + String.join(", ", Bench.WORKLOADS));
      }
    }
    if (Math.min(Math.min(webhooks, events), Math.min(publishers, fanoutWebhooks)) < 1
        || Math.min(Math.min(fanoutAccounts, rate), seconds) < 1
        || Math.min(Math.min(watchers, rawSeconds), Math.min(warmupSeconds, hangingAnswerSeconds)) < 0) {
      throw new WebhooksCli.UsageException("sizes, rates and durations must be at least 1 (watchers, raw and warm-up"
          + " seconds at least 0, --hanging-answer at least 0)");
    }
    if (hangingQuick && hangingAnswerSeconds == 0) {
      throw new WebhooksCli.UsageException("--hanging-quick needs --hanging-answer: endpoints that never answer"
          + " answer nothing at once either");
    }
    String key = local ? null : root.key();
    Bench.Report report = Bench.run(new Bench.Options(local ? null : root.server, key, metricsUrl, serverJar, serverHeap,
        receiverUrl, workloads, webhooks, events, publishers, fanoutWebhooks, fanoutAccounts, rate,
        Duration.ofSeconds(seconds), watchers, rawSeconds, warmupSeconds, Duration.ofSeconds(hangingAnswerSeconds), hangingQuick), line -> {
          if (!root.json()) {
            root.err.println(line);
            root.err.flush();
          }
        });
    if (root.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rawPostsPerSecond", Double.isNaN(report.rawPostsPerSecond()) ? null : Math.round(report.rawPostsPerSecond()));
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int i = 0; i < report.rows().size(); i++) {
        Map<String, Object> row = new LinkedHashMap<>(report.rows().get(i).toMap());
        double cpu = report.clientCpuSeconds().get(i);
        row.put("clientCpuSeconds", tenths(cpu));
        row.put("serverCpuSeconds", tenths(report.serverCpuSeconds().get(i)));
        row.put("serverJitSeconds", tenths(report.serverJitSeconds().get(i)));
        rows.add(row);
      }
      m.put("workloads", rows);
      root.print(m, "");
    } else {
      Bench.print(report, root.out);
    }
    boolean lost = report.warmupLost() > 0 || report.rows().stream().anyMatch(r -> r.lost() > 0);
    return lost ? WebhooksCli.SERVER_ERROR : WebhooksCli.OK;
  }

  /** Seconds rounded to a tenth, or null when unknown (NaN). */
  private static Double tenths(double seconds) {
    return Double.isNaN(seconds) ? null : Math.round(seconds * 10) / 10.0;
  }

}
