package dev.fusion.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * A whole Fusion deployment as separate processes on 127.0.0.1: broker(s), the simulator, one ingress,
 * two panel workers, a judge worker and a synthesizer. A fresh {@link #restartStages topic prefix} gives
 * a clean pipeline on the same broker after a scenario left a stage broken.
 */
final class Pipeline implements AutoCloseable {
  static final String ACME_KEY = "faults-acme-key";
  static final String GLOBEX_KEY = "faults-globex-key";
  static final List<String> TOPICS = List.of("fusion.requests", "fusion.jobs", "fusion.panel.answers",
      "fusion.panels", "fusion.analyses", "fusion.results", "fusion.events", "fusion.cancellations",
      "fusion.batch.items", "fusion.batches");

  private final String classpath;
  private final Path workDir;
  private final boolean staticMembership;
  final List<ChildProcess> brokers = new ArrayList<>();
  private final List<ChildProcess> stages = new ArrayList<>();
  private final String bootstrap;
  private final int replication;
  private final Admin admin;
  private ChildProcess simulator;
  ChildProcess ingress;
  ChildProcess ingressB;
  ChildProcess panelA;
  ChildProcess panelB;
  ChildProcess judge;
  ChildProcess judgeB;
  ChildProcess synthesizer;
  ChildProcess synthesizerB;
  /** Each stage's management port (health, metrics), by child process name. */
  private final Map<String, Integer> managementPorts = new HashMap<>();
  private int simPort;
  private int httpPort;
  private int httpPortB;
  private String prefix;
  private int generation;

  /** Starts {@code brokerCount} broker processes (1, or 3 for replication 3 / min ISR 2). */
  Pipeline(String classpath, Path workDir, int brokerCount, boolean staticMembership) {
    this.classpath = classpath;
    this.workDir = workDir;
    this.staticMembership = staticMembership;
    this.replication = brokerCount >= 3 ? 3 : 1;
    List<String> servers = new ArrayList<>();
    if (brokerCount == 1) {
      int port = freePort();
      brokers.add(new ChildProcess("broker-1", classpath, "512m", Map.of(), logs(), "broker",
          "--data-dir", workDir.resolve("kafka-1").toString(), "--port", Integer.toString(port)).start());
      servers.add("127.0.0.1:" + port);
    } else {
      String clusterId = Uuid.randomUuid().toString();
      int[] ports = new int[brokerCount];
      int[] controllers = new int[brokerCount];
      StringBuilder voters = new StringBuilder();
      for (int i = 0; i < brokerCount; i++) {
        ports[i] = freePort();
        controllers[i] = freePort();
        voters.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(controllers[i]);
      }
      for (int i = 0; i < brokerCount; i++) {
        brokers.add(new ChildProcess("cluster-broker-" + (i + 1), classpath, "384m", Map.of(), logs(), "broker",
            "--data-dir", workDir.resolve("cluster-kafka-" + (i + 1)).toString(),
            "--port", Integer.toString(ports[i]), "--node-id", Integer.toString(i + 1),
            "--controller-port", Integer.toString(controllers[i]), "--voters", voters.toString(),
            "--cluster-id", clusterId).start());
        servers.add("127.0.0.1:" + ports[i]);
      }
    }
    this.bootstrap = String.join(",", servers);
    this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000));
    Waits.until("the broker(s) answer", Duration.ofSeconds(90), () -> {
      try {
        return admin.describeCluster().nodes().get().size() == brokerCount;
      } catch (Exception e) {
        return false;
      }
    });
  }

  /**
   * (Re)starts every stage on a fresh topic prefix: two instances of each, so that a killed one has a
   * survivor that keeps working (the second ingress does not dispatch batches: exactly one may).
   */
  Pipeline restartStages(String replyTopic) {
    stopStages();
    generation++;
    prefix = "g" + generation + "-" + UUID.randomUUID().toString().substring(0, 4) + ".";
    simPort = freePort();
    httpPort = freePort();
    httpPortB = freePort();
    simulator = stage("simulator", Map.of("SIM_PORT", Integer.toString(simPort), "SIM_HOST", "127.0.0.1",
        "SIM_LATENCY_MS", "20"), "simulator");
    ingress = stage("ingress-a", Map.of("FUSION_HTTP_PORT", Integer.toString(httpPort)), "ingress");
    ingressB = stage("ingress-b", Map.of("FUSION_HTTP_PORT", Integer.toString(httpPortB),
        "FUSION_BATCH_DISPATCHER", "false"), "ingress");
    panelA = stage("panel-worker-a", Map.of(), "panel-worker");
    panelB = stage("panel-worker-b", Map.of(), "panel-worker");
    judge = stage("judge-worker-a", Map.of(), "judge-worker");
    judgeB = stage("judge-worker-b", Map.of(), "judge-worker");
    synthesizer = stage("synthesizer-a", Map.of(), "synthesizer");
    synthesizerB = stage("synthesizer-b", Map.of(), "synthesizer");
    createTopic(replyTopic());
    return this;
  }

  private ChildProcess stage(String name, Map<String, String> extra, String command) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    env.put("FUSION_TOPIC_PREFIX", prefix);
    env.put("FUSION_TOPIC_REPLICATION", Integer.toString(replication));
    env.put("FUSION_DATA_DIR", workDir.resolve("data-" + generation).resolve(name).toString());
    env.put("FUSION_INSTANCE_ID", name);
    env.put("FUSION_CONSUMER_STATIC_MEMBERSHIP", Boolean.toString(staticMembership));
    env.put("FUSION_SIMULATOR_URL", "http://127.0.0.1:" + simPort + "/v1");
    env.put("FUSION_API_KEYS", "acme:" + sha256(ACME_KEY) + ",globex:" + sha256(GLOBEX_KEY));
    env.put("FUSION_RATE_LIMIT_RPS", "100000");
    env.put("FUSION_RATE_LIMIT_BURST", "100000");
    // A hanging or refusing model must resolve in seconds, not the production minutes.
    env.put("FUSION_MODEL_TIMEOUT_MS", "2000");
    env.put("FUSION_MODEL_FIRST_TOKEN_TIMEOUT_MS", "2000");
    env.put("FUSION_MODEL_MAX_ATTEMPTS", "2");
    env.put("FUSION_MODEL_BACKOFF_MS", "100");
    env.put("FUSION_MODEL_MAX_BACKOFF_MS", "1000");
    env.put("FUSION_PANEL_DEADLINE_MS", "10000");
    // Every process serves a management endpoint; on one host each needs its own port.
    int management = freePort();
    env.put("FUSION_MANAGEMENT_PORT", Integer.toString(management));
    env.putAll(extra);
    ChildProcess p = new ChildProcess(name + "-g" + generation, classpath, "320m", env, logs(), command).start();
    managementPorts.put(p.name(), management);
    stages.add(p);
    return p;
  }

  /** SIGKILL to every stage (brokers stay); a fresh generation starts on new topics anyway. */
  void stopStages() {
    for (ChildProcess p : stages) {
      p.kill();
    }
    stages.clear();
  }

  String bootstrap() {
    return bootstrap;
  }

  /** The base URL of a stage's management endpoint ({@code /health/ready}, {@code /metrics}). */
  String managementUrl(ChildProcess stage) {
    return "http://127.0.0.1:" + managementPorts.get(stage.name());
  }

  /** Whether the cluster answers a metadata request now (within 2 s). */
  boolean brokerAnswers() {
    try {
      return !admin.describeCluster().nodes().get(2, java.util.concurrent.TimeUnit.SECONDS).isEmpty();
    } catch (Exception e) {
      return false;
    }
  }

  String prefix() {
    return prefix;
  }

  String topic(String name) {
    return prefix + name;
  }

  String replyTopic() {
    return prefix + System.getProperty("faults.replyTopic", "faults.replies");
  }

  /** Ingress A, which the checks talk to. */
  String baseUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** Both ingress instances; the load alternates between them, as a load balancer would. */
  List<String> baseUrls() {
    return List.of(baseUrl(), "http://127.0.0.1:" + httpPortB);
  }

  int httpPort() {
    return httpPort;
  }

  Admin admin() {
    return admin;
  }

  void createTopic(String name) {
    try {
      admin.createTopics(List.of(new NewTopic(name, 6, (short) replication))).all().get();
    } catch (Exception e) {
      if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
        throw new IllegalStateException("cannot create " + name, e);
      }
    }
  }

  /**
   * Consumer lag of every group of this pipeline (the Streams app included): per group, the records
   * on its partitions not yet committed. A stage stuck on a record shows here as lag that never drains.
   */
  Map<String, Long> lagByGroup() throws Exception {
    Set<String> groups = admin.listGroups().all().get()
        .stream().map(GroupListing::groupId).filter(g -> g.startsWith(prefix))
        // Bookmarks of the group-less readers (poison reported up to here): no member reads through them,
        // so their distance to the end is no lag (docs/architecture.md, "Readers without a group").
        .filter(g -> !g.endsWith(".poison-reported"))
        .collect(Collectors.toSet());
    Map<String, Long> lag = new HashMap<>();
    for (String group : groups) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
      var ends = admin.listOffsets(latest).all().get();
      long sum = 0;
      for (var e : committed.entrySet()) {
        if (e.getValue() != null && !e.getKey().topic().contains("-changelog") && !e.getKey().topic().contains("-repartition")) {
          sum += Math.max(0, ends.get(e.getKey()).offset() - e.getValue().offset());
        }
      }
      lag.put(group.substring(prefix.length()), sum);
    }
    return lag;
  }

  /** Every group of the pipeline that has committed anything. */
  Set<String> groups() throws Exception {
    return lagByGroup().keySet();
  }

  private Path logs() {
    return workDir.resolve("logs");
  }

  @Override
  public void close() {
    stopStages();
    for (ChildProcess b : brokers) {
      b.kill();
    }
    admin.close(Duration.ofSeconds(2));
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // best effort
    }
  }
}
