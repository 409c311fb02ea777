package dev.fusion.launcher.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import org.HdrHistogram.Histogram;

/** One run's figures, as JSON and as a Markdown table row. Latencies in milliseconds. */
record BenchResult(String scenario, String simLatency, int panelSize, double targetRate, long jobs, long completed,
    long failedResults, long rejected, long lost, double sendSeconds, double totalSeconds, long maxInFlight,
    java.util.List<Long> inFlightEvery5s, Histogram latencyMicros, Histogram overheadMicros, long maxHeapBytes,
    long maxRssBytes, boolean finished,
    java.util.Map<String, Double> stageMeansMs, CostMeter.Cost cost) {

  double throughput() {
    return completed / totalSeconds;
  }

  private static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
  }

  ObjectNode toJson() {
    ObjectNode o = Json.object().put("scenario", scenario).put("sim_latency", simLatency).put("panel_size", panelSize)
        .put("target_rate_per_s", targetRate).put("jobs", jobs).put("completed", completed)
        .put("failed_results", failedResults).put("rejected", rejected).put("lost", lost)
        .put("send_seconds", round(sendSeconds)).put("total_seconds", round(totalSeconds))
        .put("throughput_per_s", round(throughput())).put("max_in_flight", maxInFlight)
        // Jobs sent but not finished, every 5 s of sending: flat when the pipeline keeps up, climbing when
        // it falls behind (a backlog the maximum alone does not tell apart from a burst).
        .putPOJO("in_flight_every_5s", inFlightEvery5s)
        .put("max_heap_mb", maxHeapBytes / (1024 * 1024)).put("max_rss_mb", maxRssBytes / (1024 * 1024))
        .put("finished", finished);
    ObjectNode lat = o.putObject("latency_ms");
    ObjectNode over = o.putObject("overhead_ms");
    for (double p : new double[] {50, 90, 99, 99.9}) {
      lat.put("p" + trim(p), round(ms(latencyMicros, p)));
      over.put("p" + trim(p), round(ms(overheadMicros, p)));
    }
    lat.put("max", round(latencyMicros.getMaxValue() / 1000.0));
    ObjectNode stages = o.putObject("stage_means_ms");
    stageMeansMs.forEach(stages::put);
    putCost(o, cost, "job");
    return o;
  }

  /** The cost figures, per {@code unit} (a job, or a batch prompt), under names ending in that unit. */
  static void putCost(ObjectNode o, CostMeter.Cost cost, String unit) {
    o.put("cpu_ms_per_" + unit, cost.cpuMsPerJob()).put("kafka_records_per_" + unit, cost.recordsPerJob());
    ObjectNode threads = o.putObject("cpu_ms_per_" + unit + "_by_threads");
    cost.cpuMsPerJobByThreads().entrySet().stream()
        .sorted(java.util.Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(e -> threads.put(e.getKey(), e.getValue()));
    ObjectNode records = o.putObject("kafka_records_per_" + unit + "_by_topic");
    cost.recordsPerJobByTopic().forEach(records::put);
    ObjectNode kib = o.putObject("kafka_kib_per_" + unit + "_by_topic");
    cost.kibPerJobByTopic().forEach(kib::put);
    ObjectNode requests = o.putObject("broker_requests_per_" + unit + "_by_api");
    cost.brokerRequestsPerJobByApi().forEach(requests::put);
  }

  private static final MarkdownTable TABLE = new MarkdownTable("scenario", "%s", "sim latency", "%s", "rate/s", "%.0f",
      "jobs", "%d", "ok", "%d", "errors", "%d", "lost", "%d", "throughput/s", "%.0f", "p50 ms", "%.1f",
      "p90 ms", "%.1f", "p99 ms", "%.1f", "p99.9 ms", "%.1f", "overhead p50", "%.1f", "overhead p99", "%.1f",
      "max in flight", "%d", "max heap MB", "%d", "max RSS MB", "%d", "CPU ms/job", "%.1f", "records/job", "%.1f");

  static String markdownHeader() {
    return TABLE.header();
  }

  String markdownRow() {
    return TABLE.row(scenario, simLatency, targetRate, jobs, completed - failedResults, failedResults + rejected, lost,
        throughput(), ms(latencyMicros, 50), ms(latencyMicros, 90), ms(latencyMicros, 99), ms(latencyMicros, 99.9),
        ms(overheadMicros, 50), ms(overheadMicros, 99), maxInFlight, maxHeapBytes / (1024 * 1024),
        maxRssBytes / (1024 * 1024), cost.cpuMsPerJob(), cost.recordsPerJob());
  }

  static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static String trim(double p) {
    return p == Math.floor(p) ? String.valueOf((long) p) : String.valueOf(p);
  }
}
