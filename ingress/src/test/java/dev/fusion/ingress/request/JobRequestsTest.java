package dev.fusion.ingress.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.FusionJob;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobRequestsTest {
  private final JobRequests requests = new JobRequests(FusionConfig.fromEnv(Map.of()));

  private FusionJob job(String json) {
    return requests.toJob(JobRequests.parseBody(json), "tenant-a");
  }

  @Test
  void omittedModelsTakeTheConfiguredDefaults() {
    FusionJob job = job("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(job.analysisModels()).containsExactly("sim/alpha", "sim/beta", "sim/gamma");
    assertThat(job.judgeModel()).isEqualTo("sim/judge");
    assertThat(job.synthesizerModel()).isEqualTo("sim/writer");
    assertThat(job.tenant()).isEqualTo("tenant-a");
    assertThat(job.jobId()).startsWith("job_");
  }

  @Test
  void textPartsAreJoined() {
    FusionJob job = job("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
        + "{\"type\":\"text\",\"text\":\"b\"}]}],\"analysis_models\":[\"sim/x\"],\"temperature\":0.5}");
    assertThat(job.messages().get(0).content()).isEqualTo("a\nb");
    assertThat(job.temperature()).isEqualTo(0.5);
  }

  @Test
  void eachRuleNamesTheOffendingField() {
    assertThatThrownBy(() -> job("[1]")).hasFieldOrPropertyWithValue("code", "invalid_json");
    assertThatThrownBy(() -> job("{\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}"))
        .hasFieldOrPropertyWithValue("param", "messages[0].role");
    assertThatThrownBy(() -> job("{\"messages\":[{\"role\":\"user\",\"content\":5}]}"))
        .hasFieldOrPropertyWithValue("param", "messages[0].content");
    assertThatThrownBy(() -> job("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"analysis_models\":[]}"))
        .hasFieldOrPropertyWithValue("param", "analysis_models");
    assertThatThrownBy(() -> job("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":2.5}"))
        .hasFieldOrPropertyWithValue("param", "temperature");
    assertThatThrownBy(() -> job("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"model\":7}"))
        .hasFieldOrPropertyWithValue("param", "model");
    assertThatThrownBy(() -> job("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_completion_tokens\":0}"))
        .hasFieldOrPropertyWithValue("param", "max_completion_tokens");
  }
}
