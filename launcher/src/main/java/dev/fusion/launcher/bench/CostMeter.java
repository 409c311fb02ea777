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
import javax.management.MBeanServer;
import javax.management.ObjectName;
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
      Map<String, Long> bytes, Map<String, Long> brokerRequests) {}

  /**
   * Threads the JVM does not list as Java threads: the JIT compilers, GC workers, the VM thread, and
   * RocksDB's background flush and compaction threads. (Java threads that ended between the two
   * snapshots land here too; the stages' threads live for the run.)
   */
  static final String JVM_INTERNAL = "(native: JIT compilers, GC, RocksDB background, VM: process CPU minus Java threads)";

  private Snapshot snapshot() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      long cpu = processCpuNanos();
      Map<String, Long> threads = threadCpuByGroup();
      threads.put(JVM_INTERNAL, cpu - threads.values().stream().mapToLong(Long::longValue).sum());
      return new Snapshot(cpu, threads, recordsByTopic(admin), bytesByTopic(admin), brokerRequestsByApi());
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
        perJob(end.bytes(), start.bytes(), 1024 * n, Double.MIN_VALUE),
        perJob(end.brokerRequests(), start.brokerRequests(), n, 0.005));
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

  /**
   * Per job: CPU milliseconds in total and per thread group, records and KiB per topic, and requests the
   * broker served per API (produce, fetch, offset commit...; empty when the broker is not in this JVM).
   */
  record Cost(double cpuMsPerJob, Map<String, Double> cpuMsPerJobByThreads, Map<String, Double> recordsPerJobByTopic,
      Map<String, Double> kibPerJobByTopic, Map<String, Double> brokerRequestsPerJobByApi) {
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

  /**
   * Requests the in-process broker has served, per API, from its {@code RequestsPerSec} meters (their
   * {@code Count} is cumulative). At moderate rates every request carries one or two records, so
   * requests, not records, are what the broker's CPU follows.
   */
  private static Map<String, Long> brokerRequestsByApi() throws Exception {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    Map<String, Long> out = new TreeMap<>();
    for (ObjectName name : server.queryNames(
        new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null)) {
      Object count = server.getAttribute(name, "Count");
      // FetchConsumer and FetchFollower are sub-counts of Fetch; leave them out so the figures add up.
      String api = name.getKeyProperty("request");
      boolean subCount = api.startsWith("Fetch") && !api.equals("Fetch");
      if (count instanceof Number n && !subCount) {
        out.merge(api, n.longValue(), Long::sum);
      }
    }
    return out;
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
