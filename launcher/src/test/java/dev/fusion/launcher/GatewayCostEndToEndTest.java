package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Usage and cost through the whole pipeline: a price table for the simulated models, one panel model
 * that fails over to a fallback, one that fails for good. The final result's usage per model, per
 * stage and in total must add up and match the price table.
 */
class GatewayCostEndToEndTest {
  private static final Map<String, double[]> PRICES = Map.of(
      "sim/alpha", new double[] {1.0, 4.0},
      "sim/beta", new double[] {2.0, 8.0},
      "sim/delta", new double[] {0.5, 1.5},
      "sim/judge", new double[] {3.0, 15.0},
      "sim/writer", new double[] {10.0, 30.0});
  private static PipelineHarness harness;

  @BeforeAll
  static void start() {
    harness = new PipelineHarness();
  }

  @AfterAll
  static void stop() {
    harness.close();
  }

  @Test
  void usageAndCostAddUpPerModelPerStageAndInTotal() throws Exception {
    StringBuilder yaml = new StringBuilder("models:\n");
    PRICES.forEach((model, p) -> yaml.append("  ").append(model).append(": {price: {prompt: ").append(p[0])
        .append(", completion: ").append(p[1]).append("}}\n"));
    yaml.append("  sim/gamma: {fallbacks: [sim/delta]}\n");
    Path file = Files.createTempFile("fusion-gateway", ".yaml");
    Files.writeString(file, yaml.toString());

    try (FusionStack stack = harness.newStack(Map.of("FUSION_CONFIG", file.toString()))) {
      // Given a panel where gamma always fails (its fallback delta answers) and zeta has no credits
      String id = harness.submit(stack, PipelineHarness.jobBody("What limits the battery life of electric cars?",
          "sim/alpha", "sim/beta", "sim/gamma;fault=http500", "sim/zeta;fault=http402"));
      JsonNode job = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
          .until(() -> harness.getJson(stack, "/v1/jobs/" + id),
              j -> j.path("status").asText().matches("completed|failed"));
      JsonNode result = job.path("result");
      assertThat(job.path("status").asText()).isEqualTo("completed");

      // Then the fallback is reported as the model that answered for gamma
      JsonNode gamma = null;
      for (JsonNode r : result.path("responses")) {
        if (r.path("model").asText().startsWith("sim/gamma")) {
          gamma = r;
        }
      }
      assertThat(gamma).isNotNull();
      assertThat(gamma.path("responding_model").asText()).isEqualTo("sim/delta");
      // and the model that failed for good carries its typed reason
      assertThat(result.path("failed_models")).hasSize(1);
      assertThat(result.path("failed_models").get(0).path("reason").asText()).isEqualTo("insufficient_credits");
      assertThat(result.path("failed_models").get(0).path("status").asInt()).isEqualTo(402);

      // and every model's cost is its tokens at its price
      JsonNode byModel = result.path("usage").path("by_model");
      Set<String> models = new HashSet<>();
      byModel.fieldNames().forEachRemaining(models::add);
      assertThat(models).containsExactlyInAnyOrderElementsOf(PRICES.keySet());
      double sumOfModels = 0;
      long promptOfModels = 0;
      for (String model : models) {
        JsonNode u = byModel.path(model);
        double[] p = PRICES.get(model);
        assertThat(u.path("prompt_tokens").asLong()).as(model).isPositive();
        assertThat(u.path("completion_tokens").asLong()).as(model).isPositive();
        double expected = (u.path("prompt_tokens").asLong() * p[0] + u.path("completion_tokens").asLong() * p[1]) / 1e6;
        assertThat(u.path("cost_usd").asDouble()).as(model).isCloseTo(expected, within(1e-12));
        sumOfModels += u.path("cost_usd").asDouble();
        promptOfModels += u.path("prompt_tokens").asLong();
      }

      // and the stages and the total add up to the same
      JsonNode byStage = result.path("usage").path("by_stage");
      JsonNode total = result.path("usage").path("total");
      double panel = byModel.path("sim/alpha").path("cost_usd").asDouble()
          + byModel.path("sim/beta").path("cost_usd").asDouble() + byModel.path("sim/delta").path("cost_usd").asDouble();
      assertThat(byStage.path("panel").path("cost_usd").asDouble()).isCloseTo(panel, within(1e-12));
      assertThat(byStage.path("judge").path("cost_usd").asDouble())
          .isCloseTo(byModel.path("sim/judge").path("cost_usd").asDouble(), within(1e-12));
      assertThat(byStage.path("synthesizer").path("cost_usd").asDouble())
          .isCloseTo(byModel.path("sim/writer").path("cost_usd").asDouble(), within(1e-12));
      double stages = 0;
      long promptOfStages = 0;
      for (String stage : List.of("panel", "judge", "synthesizer")) {
        stages += byStage.path(stage).path("cost_usd").asDouble();
        promptOfStages += byStage.path(stage).path("prompt_tokens").asLong();
      }
      assertThat(total.path("cost_usd").asDouble()).isPositive().isCloseTo(sumOfModels, within(1e-12))
          .isCloseTo(stages, within(1e-12));
      assertThat(total.path("prompt_tokens").asLong()).isEqualTo(promptOfModels).isEqualTo(promptOfStages);
    }
  }
}
