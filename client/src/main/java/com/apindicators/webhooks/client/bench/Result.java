package com.apindicators.webhooks.client.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One workload's numbers.
 *
 * @param deliveriesPerSecond deliveries received per second over the workload (NaN when not measured)
 * @param publishPerSecond PublishEvent calls answered per second
 * @param received publish-to-received latency in microseconds (null when the receiver is not the bench's)
 * @param streamUpdate received-to-stream-update latency in microseconds (null without watchers)
 * @param errors calls that failed
 * @param failed deliveries logged failed: the receiver did not answer 2xx within the timeout
 * @param lost deliveries published but neither received nor logged failed within the settle time
 * @param heapBytes the server's heap in use at the end, -1 when unknown
 * @param note what the row measured, in a few words
 */
public record Result(String workload, double deliveriesPerSecond, double publishPerSecond, Histogram received,
    Histogram streamUpdate, long errors, long failed, long lost, long heapBytes, String note) {

  /** The row as a JSON-ready map, latencies in milliseconds. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("workload", workload);
    m.put("deliveriesPerSecond", Double.isNaN(deliveriesPerSecond) ? null : Math.round(deliveriesPerSecond));
    m.put("publishPerSecond", Math.round(publishPerSecond));
    m.put("receivedMs", percentiles(received));
    m.put("streamUpdateMs", percentiles(streamUpdate));
    m.put("errors", errors);
    m.put("failed", failed);
    m.put("lost", lost);
    m.put("heapMiB", heapBytes < 0 ? null : heapBytes >> 20);
    m.put("note", note);
    return m;
  }

  static Map<String, Double> percentiles(Histogram h) {
    if (h == null || h.getTotalCount() == 0) {
      return null;
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("p50", h.getValueAtPercentile(50) / 1000.0);
    m.put("p90", h.getValueAtPercentile(90) / 1000.0);
    m.put("p99", h.getValueAtPercentile(99) / 1000.0);
    m.put("max", h.getMaxValue() / 1000.0);
    return m;
  }
}
