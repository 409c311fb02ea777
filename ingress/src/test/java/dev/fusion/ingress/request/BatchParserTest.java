package dev.fusion.ingress.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.BatchItem;
import dev.fusion.ingress.batch.BatchLineSplitter;
import dev.fusion.ingress.http.ApiError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchParserTest {
  private final JobRequests requests = new JobRequests(FusionConfig.fromEnv(Map.of()));

  private BatchParser parser(Map<String, String> params) {
    return new BatchParser(requests, "batch_x", "acme", BatchParser.settings(query(params), requests).request(),
        1000L);
  }

  private static Map<String, List<String>> query(Map<String, String> params) {
    Map<String, List<String>> out = new java.util.LinkedHashMap<>();
    params.forEach((k, v) -> out.put(k, List.of(v)));
    return out;
  }

  @Test
  void shorthandLinesUseTheBatchSettingsAndGetDeterministicJobIds() {
    BatchParser p = parser(Map.of("analysis_models", "sim/a, sim/b", "model", "sim/judge", "temperature", "0.3"));
    BatchItem item = p.next("{\"custom_id\":\"q1\",\"prompt\":\"Why is the sky blue?\"}").item();
    assertThat(item.customId()).isEqualTo("q1");
    assertThat(item.lineNumber()).isEqualTo(1);
    assertThat(item.ordinal()).isZero();
    assertThat(item.job().jobId()).isEqualTo(BatchItem.jobId("batch_x", 1)).matches("job_[0-9a-f]{32}")
        .isNotEqualTo(BatchItem.jobId("batch_x", 2)).isNotEqualTo(BatchItem.jobId("batch_y", 1));
    assertThat(JobRequests.isJobId(item.job().jobId())).isTrue();
    assertThat(item.job().tenant()).isEqualTo("acme");
    assertThat(item.job().analysisModels()).containsExactly("sim/a", "sim/b");
    assertThat(item.job().judgeModel()).isEqualTo("sim/judge");
    assertThat(item.job().temperature()).isEqualTo(0.3);
    assertThat(item.job().messages().get(0).content()).isEqualTo("Why is the sky blue?");
  }

  @Test
  void openAiBatchLinesWithTheFusionPluginOverrideTheBatchSettings() {
    BatchParser p = parser(Map.of("analysis_models", "sim/a"));
    BatchItem item = p.next("""
        {"custom_id":"r-7","method":"POST","url":"/v1/chat/completions","body":{"model":"fusion",
         "messages":[{"role":"user","content":"Compare A and B"}],"max_tokens":300,
         "plugins":[{"id":"fusion","analysis_models":["sim/x","sim/y","sim/z"],"model":"sim/judge","temperature":0.5}]}}
        """.replace("\n", "")).item();
    assertThat(item.job().analysisModels()).containsExactly("sim/x", "sim/y", "sim/z");
    assertThat(item.job().judgeModel()).isEqualTo("sim/judge");
    assertThat(item.job().temperature()).isEqualTo(0.5);
    // The body's own max_tokens is the outer model's (here the preset's writer), not the panel's.
    assertThat(item.job().maxCompletionTokens()).isNull();
    assertThat(item.job().outer().maxCompletionTokens()).isEqualTo(300);
    // A batch line fails as a job does unless it says otherwise (chat completions answer anyway).
    assertThat(item.job().onFailure()).isNull();
  }

  @Test
  void badLinesAreReportedByLineNumberWithAReasonAndTheRestProceed() {
    BatchParser p = parser(Map.of());
    List<String> lines = List.of(
        "{\"custom_id\":\"a\",\"prompt\":\"ok\"}",
        "{not json",
        "",
        "{\"prompt\":\"no id\"}",
        "{\"custom_id\":\"a\",\"prompt\":\"duplicate\"}",
        "{\"custom_id\":\"c\",\"body\":{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}",
        "{\"custom_id\":\"d\",\"prompt\":\"x\",\"colour\":1}",
        "{\"custom_id\":\"e\",\"messages\":[]}",
        "{\"custom_id\":\"f\",\"prompt\":\"fine\"}");
    List<String> errors = new ArrayList<>();
    List<Long> good = new ArrayList<>();
    for (String line : lines) {
      BatchParser.Outcome o = p.next(line);
      if (o.error() != null) {
        errors.add(o.error().line() + ":" + o.error().code());
        assertThat(o.error().message()).isNotBlank();
      } else if (o.item() != null) {
        good.add(o.item().lineNumber());
      }
    }
    assertThat(errors).containsExactly("2:invalid_json", "4:missing_custom_id", "5:duplicate_custom_id",
        "6:invalid_value", "7:unknown_parameter", "8:invalid_value");
    assertThat(good).containsExactly(1L, 9L);
    assertThat(p.validItems()).isEqualTo(2);
  }

  @Test
  void aDuplicateIsOnlyCountedAgainstValidLines() {
    BatchParser p = parser(Map.of());
    assertThat(p.next("{\"custom_id\":\"a\",\"messages\":[]}").error()).isNotNull();
    assertThat(p.next("{\"custom_id\":\"a\",\"prompt\":\"now valid\"}").item()).isNotNull();
  }

  @Test
  void invalidBatchSettingsRejectTheWholeUpload() {
    assertThatThrownBy(() -> BatchParser.settings(query(Map.of("temperature", "9")), requests))
        .isInstanceOf(ApiError.class).hasMessageContaining("temperature");
    // An unknown parameter is refused like an unknown JSON field (it used to be dropped silently).
    assertThatThrownBy(() -> BatchParser.settings(query(Map.of("synthesizer", "sim/writer", "ignored", "x")),
        requests)).isInstanceOfSatisfying(ApiError.class, e -> {
          assertThat(e.code()).isEqualTo("unknown_parameter");
          assertThat(e.param()).isEqualTo("ignored");
        });
    assertThatThrownBy(() -> BatchParser.settings(Map.of("model", List.of("sim/a", "sim/b")), requests))
        .hasFieldOrPropertyWithValue("param", "model");
    // Echoed with their JSON types: a list, a number, text.
    ObjectNode ok = BatchParser.settings(query(new java.util.TreeMap<>(Map.of("synthesizer", "sim/writer",
        "analysis_models", "sim/alpha;latency_ms=1500,sim/beta", "temperature", "0.5"))), requests).json();
    assertThat(Json.toString(BatchParser.describe(ok))).isEqualTo("{\"analysis_models\":[\"sim/alpha;latency_ms=1500\","
        + "\"sim/beta\"],\"synthesizer\":\"sim/writer\",\"temperature\":0.5}");
  }

  @Test
  void everyPresetWorksOnABatchLine() {
    BatchParser p = parser(Map.of());
    assertThat(p.next("{\"custom_id\":\"f\",\"body\":{\"model\":\"fusion/fast\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}").item().job().analysisModels())
        .containsExactly("sim/alpha", "sim/beta");
    assertThat(p.next("{\"custom_id\":\"b\",\"prompt\":\"x\",\"preset\":\"fusion/budget\"}").item().job()
        .analysisModels()).containsExactly("sim/alpha");
    assertThat(parser(Map.of("preset", "fusion/budget")).next("{\"custom_id\":\"q\",\"prompt\":\"x\"}").item()
        .job().analysisModels()).containsExactly("sim/alpha");
  }

  @Test
  void theSplitterHandlesChunkBoundariesCrlfAndOverlongLines() {
    List<String> out = new ArrayList<>();
    BatchLineSplitter s = new BatchLineSplitter(10, out::add);
    s.feed("ab".getBytes());
    s.feed("c\r\nde\n".getBytes());
    s.feed("0123456789ABC\nlast".getBytes());
    s.finish();
    assertThat(out).containsExactly("abc", "de", null, "last");
  }
}
