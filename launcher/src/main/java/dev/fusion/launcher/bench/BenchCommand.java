package dev.fusion.launcher.bench;

import dev.fusion.common.Json;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.kafka.Topics;
import dev.fusion.launcher.EmbeddedKafka;
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
    "concurrency (10,000 jobs in flight, 10 s models; run with FUSION_JAVA_OPTS=-Xmx1g), custom."})
public final class BenchCommand implements Callable<Integer> {
  @Parameters(index = "0", defaultValue = "overhead", description = "overhead | throughput | concurrency | custom")
  String scenario;

  @Option(names = "--rate", description = "jobs per second (custom)")
  Double rate;

  @Option(names = "--seconds", description = "how long to send (custom)")
  Integer seconds;

  @Option(names = "--latency", description = "simulated model latency: 0, fixed:MS, lognormal:MEDIAN:SIGMA (custom)")
  String latency;

  @Option(names = "--panel", defaultValue = "3", description = "panel size")
  int panel;

  @Option(names = "--warmup-seconds", defaultValue = "5", description = "unmeasured warm-up at the same rate")
  int warmupSeconds;

  @Option(names = "--out", description = "directory for the JSON report")
  Path out;

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
      default -> throw new IllegalArgumentException("unknown scenario " + scenario);
    }
    r = rate != null ? rate : r;
    s = seconds != null ? seconds : s;
    lat = latency != null ? latency : lat;
    LoadProfile profile = LoadProfile.parse(lat);

    Path data = Files.createTempDirectory("fusion-bench");
    try (EmbeddedKafka kafka = new EmbeddedKafka(data.resolve("kafka"), 0).start()) {
      Vertx simVertx = Vertx.vertx();
      ModelSimulator simulator = new ModelSimulator(simVertx, SimulatorConfig.defaults());
      simulator.start(0).await();
      Map<String, String> env = new HashMap<>(System.getenv());
      env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
      env.put("FUSION_SIMULATOR_URL", simulator.baseUrl());
      env.put("FUSION_DATA_DIR", data.toString());
      env.putIfAbsent("FUSION_TOPIC_PARTITIONS", "6");
      // Enough in-flight room for the scenario: rate x the job's model time, plus slack.
      long inFlight = Math.max(2_000, Math.round(r * Math.max(1, profile.criticalPathMs()) / 1000.0 * 1.5));
      env.putIfAbsent("FUSION_PANEL_MAX_IN_FLIGHT", String.valueOf(inFlight));
      env.putIfAbsent("FUSION_JUDGE_MAX_IN_FLIGHT", String.valueOf(inFlight));
      env.putIfAbsent("FUSION_SYNTH_MAX_IN_FLIGHT", String.valueOf(inFlight));
      env.putIfAbsent("FUSION_MODEL_POOL_SIZE", String.valueOf(Math.min(4_096, inFlight)));
      env.putIfAbsent("FUSION_MODEL_TIMEOUT_MS", "300000");
      // Thousands of simulated calls in flight: multiplexed HTTP/2 streams, not one connection each.
      env.putIfAbsent("FUSION_PROVIDER_SIMULATOR_HTTP2", "true");
      env.putIfAbsent("FUSION_HTTP_PORT", "0");
      FusionConfig config = FusionConfig.fromEnv(env);
      Vertx vertx = Vertx.vertx();
      try (FusionStack stack = new FusionStack(config, vertx, 0).start()) {
        String url = "http://127.0.0.1:" + stack.httpPort();
        LoadBench bench = new LoadBench(url, kafka.bootstrapServers(), new Topics(config.topicPrefix()).results(),
            profile, panel);
        if (warmupSeconds > 0) {
          System.out.printf("warming up: %d s at %.0f jobs/s%n", warmupSeconds, Math.min(r, 200));
          bench.run("warmup", Math.min(r, 200), warmupSeconds, 0, Duration.ofSeconds(60));
        }
        System.out.printf("running %s: %.0f jobs/s for %d s, models %s, panel %d%n", scenario, r, s, profile, panel);
        BenchResult result = bench.run(scenario, r, s, 0, Duration.ofSeconds(120));
        System.out.println();
        System.out.print(BenchResult.markdownHeader());
        System.out.print(result.markdownRow());
        String json = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result.toJson());
        System.out.println(json);
        if (out != null) {
          Files.createDirectories(out);
          Files.writeString(out.resolve("bench-" + scenario + ".json"), json);
        }
        return result.finished() && result.lost() == 0 && result.rejected() == 0 ? 0 : 1;
      } finally {
        simulator.close();
        simVertx.close().await();
        vertx.close().await();
      }
    }
  }
}
