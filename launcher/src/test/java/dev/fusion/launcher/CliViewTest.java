package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.Json;
import dev.fusion.launcher.cli.AskView;
import dev.fusion.launcher.cli.ProgressBar;
import dev.fusion.launcher.cli.ResultsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The CLI's pure parts: the progress line, the deliberation view and the resumable results file. */
class CliViewTest {
  @Test
  void progressShowsDoneFailedRateAndEta() {
    String line = ProgressBar.render("in_progress", 10_000, 4_180, 30, 200, 12.34, 471L, 10);
    assertThat(line).startsWith("[####......]  42% 4,210/10,000");
    assertThat(line).contains("done 4,180", "failed 30", "in flight 200", "12.3/s", "ETA 7m51s", "in_progress");
    assertThat(ProgressBar.eta(null)).isEqualTo("--");
    assertThat(ProgressBar.eta(7_300L)).isEqualTo("2h01m");
  }

  @Test
  void theAskViewShowsEachPanelModelTheAnalysisThenTheAnswer() {
    AskView view = new AskView();
    StringBuilder out = new StringBuilder();
    out.append(view.event("response.fusion_call.panel.added", Json.tree("{\"model\":\"sim/alpha\"}")));
    out.append(view.event("response.fusion_call.panel.completed",
        Json.tree("{\"model\":\"sim/alpha\",\"latency_ms\":12,\"content\":\"Cold   weather\\nhurts\"}")));
    out.append(view.event("response.fusion_call.panel.failed",
        Json.tree("{\"model\":\"sim/gamma\",\"reason\":\"upstream_error\",\"status\":500}")));
    out.append(view.event("response.fusion_call.analysis.completed", Json.tree("""
        {"model":"sim/judge","analysis":{"consensus":["a","b","c","d"],"contradictions":[{"topic":"range",
        "stances":[{"model":"sim/alpha","stance":"short"},{"model":"sim/beta","stance":"long"}]}],
        "partial_coverage":[],"unique_insights":[{"model":"sim/beta","insight":"heat pumps"}],"blind_spots":["cost"]}}""")));
    out.append(view.event("response.output_text.delta", Json.tree("{\"delta\":\"Batteries \"}")));
    out.append(view.event("response.output_text.delta", Json.tree("{\"delta\":\"age.\"}")));
    out.append(view.tail(Json.tree("{\"status\":\"completed\",\"result\":{\"answer\":\"Batteries age.\","
        + "\"model\":\"sim/writer\",\"usage\":{\"total\":{\"prompt_tokens\":10,\"completion_tokens\":5}}}}")));
    String text = out.toString();
    assertThat(text).contains("… sim/alpha is answering", "✓ sim/alpha answered in 12 ms: Cold weather hurts",
        "✗ sim/gamma failed: upstream_error (HTTP 500)", "consensus         4", "… 1 more",
        "range — sim/alpha: short | sim/beta: long", "sim/beta: heat pumps", "completed · sim/writer · 15 tokens");
    assertThat(text.indexOf("Analysis")).isLessThan(text.indexOf("Answer:"));
    assertThat(text).containsOnlyOnce("Batteries age.");
  }

  @Test
  void anEventStreamIsRenderedUntilTheTerminalEvent() throws Exception {
    String sse = """
        id: 3
        event: response.fusion_call.panel.completed
        data: {"job_id":"j","type":"response.fusion_call.panel.completed","data":{"model":"sim/beta","latency_ms":7,"content":"hi"}}

        : keep-alive

        id: 9
        event: response.output_text.delta
        data: {"job_id":"j","type":"response.output_text.delta","data":{"delta":"Done."}}

        event: response.completed
        data: {"job_id":"j","type":"response.completed","data":{"status":"completed"}}

        event: response.output_text.delta
        data: {"data":{"delta":"never shown"}}

        """;
    var bytes = new java.io.ByteArrayOutputStream();
    boolean terminal = dev.fusion.launcher.cli.AskCommand.renderEventStream(new java.io.StringReader(sse), new AskView(),
        new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
    String text = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(terminal).isTrue();
    assertThat(text).contains("✓ sim/beta answered in 7 ms: hi", "Answer:\nDone.").doesNotContain("never shown");
  }

  @Test
  void aTornLastLineIsDroppedAndDuplicatesAreNeverWritten() throws Exception {
    Path file = Files.createTempFile("results", ".jsonl");
    Files.writeString(file, "{\"custom_id\":\"a\"}\n{\"custom_id\":\"b\"}\n{\"custom_id\":\"c\",\"resp");
    try (ResultsFile results = new ResultsFile(file)) {
      assertThat(results.size()).isEqualTo(2);
      assertThat(results.append(Json.tree("{\"custom_id\":\"a\"}"))).isFalse();
      assertThat(results.append(Json.tree("{\"custom_id\":\"c\"}"))).isTrue();
    }
    assertThat(Files.readAllLines(file)).containsExactly("{\"custom_id\":\"a\"}", "{\"custom_id\":\"b\"}",
        "{\"custom_id\":\"c\"}");
  }
}
