package dev.fusion.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.Json;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.Usage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench reads only what it measures from each result; it must read it as the result says. */
class LoadBenchOutcomeTest {

  @Test
  void aResultsStatusTimingsAndSlowestPanelAnswerAreReadFromItsBytes() throws Exception {
    // Given a completed result of a three-model panel, as the synthesizer publishes it
    var responses = List.of(
        new FusionResult.PanelResponse("sim/a", "sim/a", "an answer {\"x\": [1]}", new Usage(1, 2, 0, null), 12),
        new FusionResult.PanelResponse("sim/b", "sim/b", "another", null, 40),
        new FusionResult.PanelResponse("sim/c", "sim/c", "a third", null, 7));
    var result = new FusionResult(1, "job_1", "default", "completed", "the answer", "fusion", "fusion", null,
        responses, List.of(), null, null, null, Map.of("queue", 3L, "judge", 9L, "synthesizer", 11L), 1_000L, 1_090L);
    // When the bench reads it
    LoadBench.Outcome outcome = LoadBench.Outcome.of(Json.toBytes(result));
    // Then it has the job, the status, every stage time and the slowest panel answer
    assertThat(outcome.jobId()).isEqualTo("job_1");
    assertThat(outcome.status()).isEqualTo("completed");
    assertThat(outcome.timingsMs()).isEqualTo(Map.of("queue", 3L, "judge", 9L, "synthesizer", 11L));
    assertThat(outcome.slowestPanelMs()).isEqualTo(40);
  }

  @Test
  void entriesOfResponsesThatAreNotObjectsAreSkipped() throws Exception {
    byte[] json = ("{\"job_id\":\"j\",\"responses\":[null,{\"latency_ms\":5},[1],{\"latency_ms\":9}],"
        + "\"status\":\"completed\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    LoadBench.Outcome outcome = LoadBench.Outcome.of(json);
    assertThat(outcome.slowestPanelMs()).isEqualTo(9);
    assertThat(outcome.status()).isEqualTo("completed");
  }
}
