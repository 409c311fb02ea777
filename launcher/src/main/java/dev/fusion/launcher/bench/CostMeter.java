package dev.fusion.launcher.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * What one job costs the machine: process CPU time, CPU time per thread group (broker, event loops,
 * stage threads...) and Kafka records written per topic, as the difference between two snapshots taken
 * around a measured run. These are the figures to push down; latency follows from them near saturation.
 */
final class CostMeter {
  private final String bootstrap;
  private Snapshot start;

  CostMeter(String bootstrap) {
    this.bootstrap = bootstrap;
  }

  /** Cumulative counters at one moment: process CPU, CPU per thread group, records and bytes per topic. */
  private record Snapshot(long cpuNanos, Map<String, Long> threadCpuNanos, Map<String, Long> records,
      Map<String, Long> bytes) {}

  private Snapshot snapshot() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      return new Snapshot(processCpuNanos(), threadCpuByGroup(), recordsByTopic(admin), bytesByTopic(admin));
    }
  }

  void start() throws Exception {
    start = snapshot();
  }

  /** The cost since {@link #start()}, divided over {@code jobs}. */
  Cost stop(long jobs) throws Exception {
    Snapshot end = snapshot();
    double n = Math.max(1, jobs);
    return new Cost(round((end.cpuNanos() - start.cpuNanos()) / 1e6 / n),
        perJob(end.threadCpuNanos(), start.threadCpuNanos(), 1e6 * n, 0.005),
        perJob(end.records(), start.records(), n, Double.MIN_VALUE),
        perJob(end.bytes(), start.bytes(), 1024 * n, Double.MIN_VALUE));
  }

  /** {@code (end - start) / divisor} per key, leaving out keys below {@code min}. */
  private static Map<String, Double> perJob(Map<String, Long> end, Map<String, Long> start, double divisor,
      double min) {
    Map<String, Double> out = new TreeMap<>();
    end.forEach((key, value) -> {
      double v = (value - start.getOrDefault(key, 0L)) / divisor;
      if (v >= min) {
        out.put(key, round(v));
      }
    });
    return out;
  }

  /** Per job: CPU milliseconds in total and per thread group, records and KiB per topic. */
  record Cost(double cpuMsPerJob, Map<String, Double> cpuMsPerJobByThreads, Map<String, Double> recordsPerJobByTopic,
      Map<String, Double> kibPerJobByTopic) {
    double recordsPerJob() {
      return round(recordsPerJobByTopic.values().stream().mapToDouble(Double::doubleValue).sum());
    }
  }

  /** Bytes on disk per topic (log segments, before any retention), summed over partitions. */
  private static Map<String, Long> bytesByTopic(Admin admin) throws Exception {
    Map<String, Long> out = new HashMap<>();
    var brokers = admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList();
    admin.describeLogDirs(brokers).allDescriptions().get().values().forEach(dirs -> dirs.values().forEach(
        dir -> dir.replicaInfos().forEach((tp, info) -> out.merge(topicGroup(tp.topic()), info.size(), Long::sum))));
    return out;
  }

  private static String topicGroup(String topic) {
    return topic.replaceAll("fusion-judge-worker.*?-", "streams-");
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** Live threads' CPU time summed by name with digits and IDs folded, so pools read as one group. */
  private static Map<String, Long> threadCpuByGroup() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<String, Long> out = new HashMap<>();
    for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long cpu = mx.getThreadCpuTime(info.getThreadId());
      if (cpu > 0) {
        out.merge(group(info.getThreadName()), cpu, Long::sum);
      }
    }
    return out;
  }

  static String group(String threadName) {
    String g = threadName.replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "*")
        .replaceAll("\\d+", "N");
    return g.length() > 60 ? g.substring(0, 60) : g;
  }

  private static Map<String, Long> recordsByTopic(Admin admin) throws Exception {
    Set<String> names = admin.listTopics().names().get();
    List<TopicPartition> parts = admin.describeTopics(names).allTopicNames().get().values().stream()
        .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
        .toList();
    var ends = admin.listOffsets(parts.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
        .all().get();
    Map<String, Long> out = new HashMap<>();
    ends.forEach((tp, info) -> out.merge(topicGroup(tp.topic()), info.offset(), Long::sum));
    return out;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
