package dev.fusion.common.kafka;

import dev.fusion.simulator.ModelSimulator;
import dev.fusion.simulator.SimulatorConfig;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the module test of a stage runs against, one per test class (register it as a static
 * {@code @RegisterExtension} field): a real broker in the JVM, one Vert.x, and the model simulator over
 * real HTTP answering every {@code sim/} model. Each test makes its own pipeline on it from
 * {@link #pipelineEnv}. Shared through common's test jar.
 */
public final class StageTestEnvironment implements BeforeAllCallback, AfterAllCallback {
  private InJvmKafka kafka;
  private Vertx vertx;
  private ModelSimulator simulator;

  @Override
  public void beforeAll(ExtensionContext context) {
    kafka = InJvmKafka.start();
    vertx = Vertx.vertx();
    simulator = new ModelSimulator(vertx, SimulatorConfig.defaults());
    simulator.start(0).await();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    simulator.close();
    vertx.close().await();
    kafka.close();
  }

  public InJvmKafka kafka() {
    return kafka;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The settings of a fresh pipeline (see {@link InJvmKafka#pipelineEnv}) whose models are simulated. */
  public Map<String, String> pipelineEnv(Map<String, String> overrides) throws IOException {
    Map<String, String> withSimulator = new HashMap<>();
    withSimulator.put("FUSION_SIMULATOR_URL", simulator.baseUrl());
    withSimulator.putAll(overrides);
    return kafka.pipelineEnv(withSimulator);
  }
}
