package dev.fusion.launcher;

import dev.fusion.common.FusionVertx;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.config.WebConfig;
import dev.fusion.simulator.ModelSimulator;
import dev.fusion.simulator.SimulatorConfig;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code fusion dev}: an embedded KRaft broker, the model simulator and every stage in one JVM.
 * Real providers are used for the models whose keys are set; everything else is simulated, and the
 * start-up banner says which.
 */
public final class DevMode {
  private static final Logger LOG = LoggerFactory.getLogger(DevMode.class);

  private DevMode() {}

  public static void run(Map<String, String> env) throws Exception {
    Map<String, String> vars = new HashMap<>(env);
    int kafkaPort = Integer.parseInt(vars.getOrDefault("FUSION_KAFKA_PORT", "9092"));
    Path dataDir = Path.of(vars.getOrDefault("FUSION_DATA_DIR", ".fusion-data")).toAbsolutePath();
    vars.put("FUSION_DATA_DIR", dataDir.toString());
    // A stable instance ID keeps the judge aggregation's state directory and Streams membership across
    // restarts of dev mode, so a restart resumes its tasks without restoring them (Recovery).
    if (dev.fusion.common.kafka.KafkaConfigs.instanceId() == null) {
      System.setProperty(dev.fusion.common.kafka.KafkaConfigs.INSTANCE_ID_VAR, "dev");
    }
    idleDefaults(vars);

    long started = System.currentTimeMillis();
    EmbeddedKafka kafka = broker(dataDir.resolve("kafka"), kafkaPort).start();
    Vertx vertx = FusionVertx.create();
    ModelSimulator simulator = new ModelSimulator(vertx, SimulatorConfig.fromEnv(vars));
    int simPort = simulator.start(Integer.parseInt(vars.getOrDefault("SIM_PORT", "0"))).await();
    vars.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    vars.put("FUSION_SIMULATOR_URL", simulator.baseUrl());
    FusionConfig config = FusionConfig.fromEnv(vars);
    // No search backend set: web_search reads the simulator's local corpus (its SearXNG-compatible /search),
    // and web_fetch may read the simulator's pages (its port only, added to any allow-list).
    boolean simulatedSearch = config.web().search() == WebConfig.Search.NONE && vars.get("FUSION_WEB_SEARCH") == null;
    if (simulatedSearch) {
      vars.put("FUSION_WEB_SEARCH", "searxng");
      vars.put("FUSION_SEARXNG_URL", "http://127.0.0.1:" + simPort);
      List<String> allow = new ArrayList<>(config.web().fetchAllow());
      allow.add("127.0.0.1:" + simPort);
      vars.put("FUSION_WEB_FETCH_ALLOW", String.join(",", allow));
      config = FusionConfig.fromEnv(vars);
    }
    dev.fusion.ingress.IngressOptions ingressOptions = dev.fusion.ingress.IngressOptions.fromEnv(vars);
    FusionStack stack = new FusionStack(config, vertx, config.httpPort(), ingressOptions).start();
    // One management endpoint (health, metrics) for every stage of this process.
    dev.fusion.management.ManagementSettings management = dev.fusion.management.ManagementSettings.fromEnv(vars);
    int managementPort = stack.startManagement(management);
    LOG.info("management endpoint: http://localhost:{}/metrics, /health/live, /health/ready", managementPort);

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      // Bounded as every stage's process is (FUSION_SHUTDOWN_TIMEOUT_MS): a second Ctrl-C does nothing
      // while shutdown hooks run, so a stop that hangs would otherwise need kill -9.
      dev.fusion.common.ServiceMain.haltAfter(management.shutdownTimeout(), "dev mode");
      long t0 = System.currentTimeMillis();
      LOG.info("stopping: HTTP and stages, then the simulator, then Kafka");
      stack.close();
      simulator.close();
      vertx.close().await();
      kafka.close();
      LOG.info("dev mode stopped in {} ms", System.currentTimeMillis() - t0);
      stopped.countDown();
    }, "fusion-dev-shutdown"));

    System.out.print(new DevBanner((System.currentTimeMillis() - started) / 1000.0, stack.httpPort(),
        kafka.bootstrapServers(), dataDir, simPort, config.simulatedDefaults(),
        config.gateway().providers().stream().map(p -> p.name()).toList(), config.defaultPanel(),
        config.defaultJudge(), config.defaultSynthesizer(),
        simulatedSearch ? config.web().describeFetch() : config.web().describe(), simulatedSearch,
        ingressOptions.apiKeys().tenants()).text());
    stopped.await();
  }

  /** Dev mode's group heartbeat: one process, so nothing to fail over to sooner (see {@link #broker}). */
  static final java.time.Duration GROUP_HEARTBEAT = java.time.Duration.ofSeconds(2);
  /** Dev mode's broker request handlers: one process's requests, mostly none. */
  static final int REQUEST_HANDLERS = 2;

  /**
   * Dev mode's broker: as every embedded broker, with group members heartbeating every 2 s instead of 1 s
   * (half the idle requests of the stages' five group consumers; a dead member is still noticed after the
   * same 6 s session timeout) and two request handler threads instead of four (each idle one wakes
   * three times a second to look for a request).
   */
  static EmbeddedKafka broker(Path dataDir, int port) {
    return new EmbeddedKafka(dataDir, port).groupHeartbeat(GROUP_HEARTBEAT).requestHandlers(REQUEST_HANDLERS);
  }

  /**
   * One process has no member to fail over to, and mostly waits for someone to try it: idle, its
   * consumers' held fetches last longer (2 s) and the judge's stream thread looks for work less often
   * (1 s), so fewer wake-ups and requests a second, at the cost of a slower rebalance when a second
   * process joins and of an idle judge's panel deadline firing up to a second late. A value the user set
   * (environment or system property) is kept.
   */
  static void idleDefaults(Map<String, String> env) {
    idleDefault(env, dev.fusion.common.kafka.KafkaConfigs.FETCH_WAIT_VAR, "2000");
    idleDefault(env, dev.fusion.common.kafka.KafkaConfigs.STREAMS_IDLE_POLL_VAR, "1000");
  }

  /** Sets dev mode's value unless the user set one; a blank value is unset, as KafkaConfigs reads it. */
  private static void idleDefault(Map<String, String> vars, String name, String value) {
    if (blank(vars.get(name)) && blank(System.getProperty(name))) {
      System.setProperty(name, value);
    }
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }
}
