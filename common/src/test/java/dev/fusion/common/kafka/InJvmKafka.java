package dev.fusion.common.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node KRaft broker in the test's JVM (temporary directory, free ports), for the tests of
 * the consumer loops and the module tests of the stages. Shared through common's test jar; needs
 * {@code kafka_2.13} and {@code kafka-server} on the test class path. (The launcher's
 * {@code EmbeddedKafka} is the product's broker for dev mode and its end-to-end tests.)
 */
public final class InJvmKafka extends KafkaTestTopics {
  private final Path dir;
  private final int port;
  private final KafkaRaftServer server;

  private InJvmKafka(Path dir, int port, KafkaRaftServer server) {
    this.dir = dir;
    this.port = port;
    this.server = server;
  }

  private static InJvmKafka shared;

  /**
   * One broker for every test class of this JVM that asks for it (tests keep apart by topic prefix):
   * started on first use, stopped when the JVM exits; never close it.
   */
  public static synchronized InJvmKafka shared() {
    if (shared == null) {
      InJvmKafka started = start();
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "in-jvm-kafka-shutdown"));
      shared = started;
    }
    return shared;
  }

  /** Formats a temporary directory and starts the broker; returns once it answers. */
  public static InJvmKafka start() {
    try {
      Path dir = Files.createTempDirectory("in-jvm-kafka-");
      int port = freePort();
      int controllerPort = freePort();
      Properties props = new Properties();
      props.putAll(Map.ofEntries(
          Map.entry("process.roles", "broker,controller"),
          Map.entry("node.id", "1"),
          Map.entry("controller.quorum.voters", "1@127.0.0.1:" + controllerPort),
          Map.entry("controller.listener.names", "CONTROLLER"),
          Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort),
          Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
          Map.entry("inter.broker.listener.name", "PLAINTEXT"),
          Map.entry("log.dirs", dir.resolve("logs").toString()),
          Map.entry("offsets.topic.replication.factor", "1"),
          Map.entry("offsets.topic.num.partitions", "3"),
          Map.entry("transaction.state.log.replication.factor", "1"),
          Map.entry("transaction.state.log.min.isr", "1"),
          Map.entry("share.coordinator.state.topic.replication.factor", "1"),
          Map.entry("share.coordinator.state.topic.min.isr", "1"),
          Map.entry("group.initial.rebalance.delay.ms", "0"),
          // Assignments move within a second, as on Fusion's own brokers (KIP-848 takes this from the broker)
          Map.entry("group.consumer.min.heartbeat.interval.ms", "500"),
          Map.entry("group.consumer.heartbeat.interval.ms", "1000"),
          Map.entry("num.network.threads", "2"),
          Map.entry("num.io.threads", "2")));
      Path config = dir.resolve("server.properties");
      try (OutputStream out = Files.newOutputStream(config)) {
        props.store(out, null);
      }
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      int rc = StorageTool.execute(new String[] {"format", "--config", config.toString(), "--cluster-id",
          Uuid.randomUuid().toString()}, new PrintStream(log, true, StandardCharsets.UTF_8));
      if (rc != 0) {
        throw new IllegalStateException("formatting failed: " + log.toString(StandardCharsets.UTF_8));
      }
      KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
      server.startup();
      awaitAnswering("127.0.0.1:" + port);
      return new InJvmKafka(dir, port, server);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void awaitAnswering(String bootstrap) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the in-JVM broker did not answer", e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }

  @Override
  public String bootstrap() {
    return "127.0.0.1:" + port;
  }

  /**
   * The settings (environment-style, for {@code FusionConfig.fromEnv}) of a fresh pipeline on this
   * broker: its own topic prefix and temporary data directory, quick model retries; then {@code overrides}.
   */
  public Map<String, String> pipelineEnv(Map<String, String> overrides) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap());
    env.put("FUSION_TOPIC_PREFIX", newPrefix());
    env.put("FUSION_TOPIC_PARTITIONS", "2");
    env.put("FUSION_DATA_DIR", Files.createTempDirectory(dir, "data-").toString());
    env.put("FUSION_MODEL_BACKOFF_MS", "5");
    env.put("FUSION_MODEL_MAX_BACKOFF_MS", "50");
    env.putAll(overrides);
    return env;
  }

  @Override
  public void close() {
    super.close();
    server.shutdown();
    server.awaitShutdown();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temporary directory: left for the OS.
    }
  }
}
