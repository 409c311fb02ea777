package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/jobs/{id}/rejudge} reuses the stored panel answers: zero panel calls, a linked result. */
class RejudgeEndToEndTest extends SharedPipelineTestBase {
  private static final Set<String> PANEL = Set.of("sim/alpha", "sim/beta", "sim/gamma;fault=http500");
  private static JsonNode awaitCompleted(String id) {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
        .until(() -> harness.getJson(stack, "/v1/jobs/" + id), j -> j.path("status").asText().matches("completed|failed"));
  }

  @Test
  void rejudgingWithAnotherJudgeAndSynthesizerMakesNoPanelCalls() throws Exception {
    // Given a finished job whose panel had one failing model
    String original = harness.submit(stack, PipelineHarness.jobBody("What limits battery life?",
        "sim/alpha", "sim/beta", "sim/gamma;fault=http500"));
    JsonNode first = awaitCompleted(original).path("result");
    assertThat(first.path("status").asText()).isEqualTo("completed");
    harness.simulator.resetCounts();

    // When it is rejudged by another judge and written by another synthesizer
    HttpResponse<String> response = harness.post(stack, "/v1/jobs/" + original + "/rejudge",
        "{\"model\":\"sim/arbiter\",\"synthesizer\":\"sim/scribe\"}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    JsonNode accepted = Json.tree(response.body());
    String id = accepted.path("id").asText();
    assertThat(id).isNotEqualTo(original);
    assertThat(accepted.path("rejudge_of").asText()).isEqualTo(original);
    assertThat(response.headers().firstValue("location")).contains("/v1/jobs/" + id);
    // The job object names the original at its top level, before its result and after
    assertThat(harness.getJson(stack, "/v1/jobs/" + id).path("rejudge_of").asText()).isEqualTo(original);

    // Then a new, linked result judges the same answers, and no panel model was called
    JsonNode job = awaitCompleted(id);
    JsonNode result = job.path("result");
    assertThat(job.path("status").asText()).isEqualTo("completed");
    assertThat(job.path("rejudge_of").asText()).isEqualTo(original);
    assertThat(result.path("rejudge_of").asText()).isEqualTo(original);
    assertThat(result.path("model").asText()).isEqualTo("sim/scribe");
    assertThat(result.path("answer").asText()).isNotBlank();
    assertThat(result.path("failure_reason").isTextual()).as("no failure reason").isFalse();
    assertThat(modelsAndContents(result.path("responses"))).isEqualTo(modelsAndContents(first.path("responses")))
        .hasSize(2);
    assertThat(result.path("failed_models").get(0).path("model").asText()).isEqualTo("sim/gamma;fault=http500");
    PipelineEndToEndTest.assertSchemaValidAnalysisNaming(result.path("analysis"), PANEL);
    assertThat(harness.simulator.callCounts())
        .containsOnly(Map.entry("sim/arbiter", 1L), Map.entry("sim/scribe", 1L));
    // The reused answers cost nothing on the new job.
    assertThat(result.path("usage").path("by_stage").path("panel").path("completion_tokens").asLong()).isZero();
  }

  private static java.util.List<String> modelsAndContents(JsonNode responses) {
    java.util.List<String> out = new java.util.ArrayList<>();
    responses.forEach(r -> out.add(r.path("model").asText() + ": " + r.path("content").asText()));
    return out;
  }

  @Test
  void rejudgeErrorsUseTheOpenAiErrorShape() throws Exception {
    HttpResponse<String> missing = harness.post(stack, "/v1/jobs/job_nope/rejudge", "{}");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(Json.tree(missing.body()).path("error").path("code").asText()).isEqualTo("job_not_found");

    String failed = harness.submit(stack, PipelineHarness.jobBody("Anything?", "sim/alpha;fault=http401"));
    awaitCompleted(failed);
    HttpResponse<String> nothingToJudge = harness.post(stack, "/v1/jobs/" + failed + "/rejudge", "{}");
    assertThat(nothingToJudge.statusCode()).isEqualTo(409);
    assertThat(Json.tree(nothingToJudge.body()).path("error").path("code").asText()).isEqualTo("no_panel_answers");

    HttpResponse<String> unknown = harness.post(stack, "/v1/jobs/" + failed + "/rejudge", "{\"colour\":1}");
    assertThat(unknown.statusCode()).isEqualTo(400);
  }
}
