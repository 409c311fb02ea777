package dev.fusion.simulator;

import dev.fusion.management.ManagementServer;
import dev.fusion.management.ManagementSettings;
import dev.fusion.management.ProcessMetrics;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs the simulator standalone. Configuration from the environment (see {@link
 * SimulatorConfig#fromEnv}); the port is {@code SIM_PORT} (default 8090). Like every Fusion process it
 * serves the management endpoint on {@code FUSION_MANAGEMENT_PORT} (health, JVM metrics).
 */
public final class SimulatorMain {

  private SimulatorMain() {}

  public static void main(String[] args) throws Exception {
    SimulatorConfig config;
    ManagementSettings management;
    try {
      config = SimulatorConfig.fromEnv(System.getenv());
      management = ManagementSettings.fromEnv();
    } catch (IllegalArgumentException e) {
      System.err.println("Invalid simulator configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    ModelSimulator sim = new ModelSimulator(vertx, config);
    ProcessMetrics metrics = new ProcessMetrics();
    java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
    ManagementServer endpoint = new ManagementServer(vertx, metrics, () -> Map.of("simulator", started.get()));
    try {
      endpoint.start(management).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      sim.start(config.port()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      started.set(true);
    } catch (Exception e) {
      System.err.println("Simulator failed to start on port " + config.port() + " (management port "
          + management.port() + "): " + e);
      vertx.close();
      System.exit(1);
      return;
    }
    System.out.println(
        "Fusion model simulator (answers are simulated) listening on " + sim.baseUrl()
            + "; its built-in web: " + sim.rootUrl() + "/search and " + sim.rootUrl() + "/web/");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  endpoint.shuttingDown();
                  sim.close();
                  endpoint.close();
                  metrics.close();
                  try {
                    vertx.close().toCompletionStage().toCompletableFuture()
                        .get(10, TimeUnit.SECONDS);
                  } catch (Exception ignored) {
                    // exiting anyway
                  }
                  stopped.countDown();
                },
                "simulator-shutdown"));
    stopped.await();
  }
}
