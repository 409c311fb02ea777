package dev.fusion.simulator;

import io.vertx.core.Vertx;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs the simulator standalone. Configuration from the environment (see {@link
 * SimulatorConfig#fromEnv}); the port is {@code SIM_PORT} (default 8090).
 */
public final class SimulatorMain {

  private SimulatorMain() {}

  public static void main(String[] args) throws Exception {
    SimulatorConfig config;
    try {
      config = SimulatorConfig.fromEnv(System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("Invalid simulator configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    ModelSimulator sim = new ModelSimulator(vertx, config);
    try {
      sim.start(config.port()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("Simulator failed to start on port " + config.port() + ": " + e);
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
                  sim.close();
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
