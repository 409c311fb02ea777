package dev.fusion.launcher.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.FusionVertx;
import dev.fusion.common.Json;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.kafka.Topics;
import dev.fusion.launcher.EmbeddedKafka;
import dev.fusion.launcher.TempDirs;
import dev.fusion.launcher.FusionStack;
import dev.fusion.simulator.ModelSimulator;
import dev.fusion.simulator.SimulatorConfig;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fusion bench SCENARIO}: starts the whole pipeline in this JVM (embedded broker, simulator,
 * every stage) and drives it over HTTP with the open-loop generator. Named scenarios match the targets
 * in BENCHMARKS.md; {@code custom} takes its figures from the options.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = {
    "Benchmark the pipeline in this JVM with an open-loop load generator.",
    "Scenarios: overhead (100 jobs/s, 0 ms models, 30 s), throughput (1000 jobs/s, 0 ms, 60 s),",
    "concurrency (10,000 jobs in flight, 10 s models; run with FUSION_JAVA_OPTS=-Xmx1g), custom,",
    "batch (100,000 prompts through /v1/batches, 1 s models; checks none lost or duplicated)."})
public final class BenchCommand implements Callable<Integer> {
  @Parameters(index = "0", defaultValue = "overhead", description = "overhead | throughput | concurrency | custom | batch")
  String scenario;

  @Option(names = "--rate", description = "jobs per second (custom)")
  Double rate;

  @Option(names = "--seconds", description = "how long to send (custom)")
  Integer seconds;

  @Option(names = "--latency", description = "simulated model latency: 0, fixed:MS, lognormal:MEDIAN:SIGMA (custom, batch)")
  String latency;

  /**
   * The all-in-one JVM holds far more hot code (broker, Streams, clients, Netty, Jackson, five stages)
   * than its one C2 compiler thread gets through quickly on two cores: at 100 jobs/s compilation took
   * 0.45-0.63 of a core per second still after 60 s (4.5-6.3 CPU ms per job) and 0.1 after 180 s.
   */
  static final int STEADY_STATE_WARMUP_SECONDS = 180;

  @Option(names = "--panel", defaultValue = "3", description = "panel size")
  int panel;

  @Option(names = "--warmup-seconds", description = "unmeasured warm-up at the same rate, at most 200 jobs/s"
      + " (default: 180 for overhead and throughput, whose figures are steady-state ones: with everything in one"
      + " JVM on two cores the JIT compiler needs about three minutes; 5 otherwise)")
  Integer warmupSeconds;

  /** Default of {@link #rampWarmupSeconds} for the throughput scenario, and its steps. */
  static final int THROUGHPUT_RAMP_WARMUP_SECONDS = 80;
  static final int RAMP_STEPS = 4;

  @Option(names = "--ramp-warmup-seconds", description = "after the warm-up at up to 200 jobs/s, this many"
      + " unmeasured seconds stepping up to the measured rate in four equal steps, each drained (default: 80 for"
      + " throughput, 0 otherwise). Code only hot at high rates (bigger Kafka batches, more connections) is compiled"
      + " here, not in the first seconds of the measurement")
  Integer rampWarmupSeconds;

  private boolean steadyState() {
    return scenario.equals("overhead") || scenario.equals("throughput");
  }

  @Option(names = "--web-steps", defaultValue = "0", description = "web tool steps each simulated panel model "
      + "takes before it answers (searches and page fetches through Fusion's web tools, served by the simulator)")
  int webSteps;

  @Option(names = "--prompts", description = "prompts in the batch (batch; default 100000)")
  Long prompts;

  @Option(names = "--warmup-prompts", defaultValue = "200", description = "an unmeasured batch of this many prompts first (batch)")
  long warmupPrompts;

  @Option(names = "--batch-minutes", defaultValue = "30", description = "how long to follow the batch before giving up (batch)")
  int batchMinutes;

  @Option(names = "--simulator-url", description = "use a simulator already running elsewhere (e.g. `fusion simulator`"
      + " in another process, so its CPU is not counted as Fusion's) instead of one in this JVM")
  String simulatorUrl;

  @Option(names = "--out", description = "directory for the JSON report")
  Path out;

  @Option(names = "--management-port", description = "serve the stack's health and /metrics on this port while"
      + " the bench runs (to watch queues and in-flight work); off by default")
  Integer managementPort;

  @Override
  public Integer call() throws Exception {
    double r;
    int s;
    String lat;
    switch (scenario) {
      case "overhead" -> { r = 100; s = 30; lat = "0"; }
      case "throughput" -> { r = 1000; s = 60; lat = "0"; }
      case "concurrency" -> { r = 1000; s = 10; lat = "fixed:10000"; }
      case "custom" -> { r = 100; s = 30; lat = "0"; }
      case "batch" -> { r = 0; s = 0; lat = "fixed:1000"; }
      default -> throw new IllegalArgumentException("unknown scenario " + scenario);
    }
    r = rate != null ? rate : r;
    s = seconds != null ? seconds : s;
    lat = latency != null ? latency : lat;
    LoadProfile profile = LoadProfile.parse(lat).withWebSteps(webSteps);

    Path data = Files.createTempDirectory("fusion-bench");
    try {
      return run(data, profile, r, s, lat);
    } finally {
      TempDirs.deleteRecursively(data); // The broker's log and the views: gigabytes after a long run.
    }
  }

  private int run(Path data, LoadProfile profile, double r, int s, String lat) throws Exception {
    try (EmbeddedKafka kafka = new EmbeddedKafka(data.resolve("kafka"), 0).start()) {
      // One Vert.x instance for the simulator and every stage, as in dev mode.
      Vertx vertx = FusionVertx.create();
      // The simulator's record of requests is a testing aid: it would keep the bodies of the last 10,000 calls
      // alive, which is garbage the pipeline does not make.
      ModelSimulator simulator = simulatorUrl == null
          ? new ModelSimulator(vertx, SimulatorConfig.defaults().withRequestRecord(0, 0)) : null;
      if (simulator != null) {
        simulator.start(0).await();
      }
      Map<String, String> env = new HashMap<>(System.getenv());
      env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
      env.put("FUSION_SIMULATOR_URL", simulator != null ? simulator.baseUrl() : simulatorUrl);
      env.put("FUSION_DATA_DIR", data.toString());
      if (simulator != null) {
        // The simulator's web, as in dev mode: its SearXNG-style search and its pages, allow-listed.
        env.putIfAbsent("FUSION_SEARXNG_URL", simulator.rootUrl());
        env.putIfAbsent("FUSION_WEB_FETCH_ALLOW", java.net.URI.create(simulator.rootUrl()).getAuthority());
      }
      env.putIfAbsent("FUSION_TOPIC_PARTITIONS", "6");
      // Enough in-flight room for the scenario: rate x the job's model time, plus slack.
      long inFlight = Math.max(2_000, Math.round(r * Math.max(1, profile.criticalPathMs()) / 1000.0 * 1.5));
      if (scenario.equals("batch")) {
        // Ingress reads this one from a system property or the environment, not the config map. The
        // default (200) would make the cap, not the pipeline, the figure measured with 1 s models.
        if (batchCap() == null) {
          System.setProperty(BatchBench.MAX_IN_FLIGHT, "5000");
        }
        inFlight = Math.max(2_000, Math.round(Long.parseLong(batchCap()) * 1.5));
      }
      env.putIfAbsent("FUSION_PANEL_MAX_IN_FLIGHT", String.valueOf(inFlight));
      env.putIfAbsent("FUSION_JUDGE_MAX_IN_FLIGHT", String.valueOf(inFlight));
      env.putIfAbsent("FUSION_SYNTH_MAX_IN_FLIGHT", String.valueOf(inFlight));
      int pool = 4_096;
      env.putIfAbsent("FUSION_MODEL_POOL_SIZE", String.valueOf(Math.min(pool, inFlight)));
      env.putIfAbsent("FUSION_MODEL_TIMEOUT_MS", "300000");
      // More simulated calls in flight at once than an HTTP/1.1 pool holds connections: multiplex them
      // over HTTP/2 streams. Below that HTTP/1.1 is kept: it costs less CPU per call (see BENCHMARKS.md).
      long panelCallsInFlight = scenario.equals("batch") ? Long.parseLong(batchCap()) * panel
          : Math.round(r * panel * profile.criticalPathMs() / 3 / 1000.0);
      env.putIfAbsent("FUSION_PROVIDER_SIMULATOR_HTTP2", String.valueOf(panelCallsInFlight > pool));
      System.out.printf("model calls over %s%n",
          Boolean.parseBoolean(env.get("FUSION_PROVIDER_SIMULATOR_HTTP2")) ? "HTTP/2" : "HTTP/1.1");
      env.putIfAbsent("FUSION_HTTP_PORT", "0");
      FusionConfig config = FusionConfig.fromEnv(env);
      try (FusionStack stack = new FusionStack(config, vertx, 0).start()) {
        if (managementPort != null) {
          System.out.printf("metrics on http://127.0.0.1:%d/metrics%n", stack.startManagement(managementPort));
        }
        String url = "http://127.0.0.1:" + stack.httpPort();
        if (scenario.equals("batch")) {
          return runBatch(url, kafka.bootstrapServers(), lat);
        }
        LoadBench bench = new LoadBench(url, kafka.bootstrapServers(), new Topics(config.topicPrefix()).results(),
            profile, panel);
        int warmup = warmupSeconds != null ? warmupSeconds : steadyState() ? STEADY_STATE_WARMUP_SECONDS : 5;
        double slowRate = Math.min(r, 200);
        if (warmup > 0) {
          System.out.printf("warming up: %d s at %.0f jobs/s%n", warmup, slowRate);
          bench.run("warmup", slowRate, warmup, 0, Duration.ofSeconds(60));
        }
        int ramp = rampWarmupSeconds != null ? rampWarmupSeconds
            : scenario.equals("throughput") ? THROUGHPUT_RAMP_WARMUP_SECONDS : 0;
        if (ramp > 0 && r > slowRate) {
          // Steps up to the measured rate, each drained before the next: a jump from 200 to 1,000 jobs/s
          // met code that was only compiled for the slower rate, and the backlog of those seconds took
          // the rest of the run to drain. Shown, not hidden: what each step completed.
          int stepSeconds = Math.max(1, ramp / RAMP_STEPS);
          for (int i = 1; i <= RAMP_STEPS; i++) {
            double stepRate = slowRate + (r - slowRate) * i / RAMP_STEPS;
            System.out.printf("warming up: %d s at %.0f jobs/s%n", stepSeconds, stepRate);
            BenchResult warm = bench.run("warmup", stepRate, stepSeconds, 0, Duration.ofSeconds(120));
            System.out.printf("  %.0f jobs/s completed, in flight every 5 s %s%n", warm.throughput(),
                warm.inFlightEvery5s());
          }
        }
        // After the warm-up, with the pipeline drained: at JVM start the canary measured the JIT too.
        double canaryBefore = HostCanary.measureMs();
        System.out.printf("running %s: %.0f jobs/s for %d s, models %s, panel %d%n", scenario, r, s, profile, panel);
        // Room to drain: a backlog of slow jobs finishes well after the last one was sent.
        Duration drain = Duration.ofSeconds(120).plusMillis(10 * profile.criticalPathMs());
        BenchResult result = bench.run(scenario, r, s, 0, drain);
        double canaryAfter = HostCanary.measureMs();
        System.out.println();
        System.out.print(BenchResult.markdownHeader());
        System.out.print(result.markdownRow());
        System.out.printf("host canary (the same fixed work before and after; higher is a slower host): %.1f / %.1f ms%n",
            canaryBefore, canaryAfter);
        ObjectNode report = result.toJson();
        report.putObject("host_canary_ms").put("before", canaryBefore).put("after", canaryAfter);
        String json = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report);
        System.out.println(json);
        write(json);
        return result.finished() && result.lost() == 0 && result.rejected() == 0 ? 0 : 1;
      } finally {
        if (simulator != null) {
          simulator.close();
        }
        vertx.close().await();
      }
    }
  }

  private int runBatch(String url, String bootstrap, String lat) throws Exception {
    long n = prompts != null ? prompts : 100_000;
    System.out.printf("running batch: %,d prompts, models %s, panel %d, %s=%s%n", n, LoadProfile.parse(lat), panel,
        BatchBench.MAX_IN_FLIGHT, batchCap());
    BatchBench bench = new BatchBench(url, bootstrap, lat, panel, System.out, Duration.ofSeconds(5));
    if (warmupPrompts > 0) {
      // A fresh pipeline spends its first seconds on consumer-group and Streams assignments; keep that
      // out of the measured batch, as the warm-up does for the other scenarios.
      System.out.printf("warming up: a batch of %,d prompts (not measured)%n", warmupPrompts);
      BatchBench.Report warm = bench.run(warmupPrompts, Duration.ofMinutes(batchMinutes));
      System.out.printf("warm-up: %s, %,d completed, %,d failed, %,d lost%n%n", warm.status(), warm.completed(),
          warm.failed(), warm.lost());
    }
    BatchBench.Report report = bench.run(n, Duration.ofMinutes(batchMinutes));
    System.out.println();
    System.out.print(BatchBench.Report.markdownHeader());
    System.out.print(report.markdownRow());
    String json = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report.toJson());
    System.out.println(json);
    write(json);
    return report.ok() ? 0 : 1;
  }

  /** The batch in-flight cap the way ingress resolves it: system property, then environment. */
  private static String batchCap() {
    for (String v : new String[] {System.getProperty(BatchBench.MAX_IN_FLIGHT), System.getenv(BatchBench.MAX_IN_FLIGHT)}) {
      if (v != null && !v.isBlank()) {
        return v.trim();
      }
    }
    return null;
  }

  private void write(String json) throws java.io.IOException {
    if (out != null) {
      Files.createDirectories(out);
      Files.writeString(out.resolve("bench-" + scenario + ".json"), json);
    }
  }
}
