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

    long started = System.currentTimeMillis();
    EmbeddedKafka kafka = new EmbeddedKafka(dataDir.resolve("kafka"), kafkaPort).start();
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
    int managementPort = stack.startManagement(dev.fusion.management.ManagementSettings.fromEnv(vars));
    LOG.info("management endpoint: http://localhost:{}/metrics, /health/live, /health/ready", managementPort);

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping: HTTP and stages, then the simulator, then Kafka");
      stack.close();
      simulator.close();
      vertx.close().await();
      kafka.close();
      stopped.countDown();
    }, "fusion-dev-shutdown"));

    banner(config, kafka, simPort, stack.httpPort(), dataDir, System.currentTimeMillis() - started, simulatedSearch);
    if (!ingressOptions.authEnabled()) {
      System.out.println("  !!! AUTH IS OFF: no FUSION_API_KEYS set, so anyone who can reach port " + stack.httpPort()
          + " acts as tenant 'default'. Dev only. !!!\n");
    }
    stopped.await();
  }

  private static void banner(FusionConfig config, EmbeddedKafka kafka, int simPort, int httpPort, Path dataDir,
      long tookMs, boolean simulatedSearch) {
    String web = simulatedSearch
        ? "search SIMULATED: the simulator's local corpus (BRAVE_API_KEY, TAVILY_API_KEY or\n"
          + "              FUSION_SEARXNG_URL give real search); " + config.web().describeFetch()
        : config.web().describe();
    String models = config.simulatedDefaults()
        ? "SIMULATED: no provider key is set (OPENROUTER_API_KEY), so the default panel, judge and\n"
          + "             synthesizer are the built-in simulator's models; answers are not real model output."
        : "real providers for non-sim/ models (" + config.gateway().providers().stream()
            .map(p -> p.name()).toList() + ")";
    System.out.printf("""

        Fusion dev mode is up in %.1f s
          API:        http://localhost:%d   (GET /health, POST /v1/jobs, GET /v1/jobs/{id})
          Kafka:      %s (embedded KRaft broker; any Kafka client can connect)
          Data:       %s (kept across restarts; delete it to start clean)
          Simulator:  http://127.0.0.1:%d/v1
          Models:     %s
          Defaults:   panel %s, judge %s, synthesizer %s
          Web tools:  %s
        Ctrl-C stops everything cleanly.

        """, tookMs / 1000.0, httpPort, kafka.bootstrapServers(), dataDir, simPort, models, config.defaultPanel(),
        config.defaultJudge(), config.defaultSynthesizer(), web);
  }
}
