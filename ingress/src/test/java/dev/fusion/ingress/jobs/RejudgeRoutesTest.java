package dev.fusion.ingress.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fusion.common.Json;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.OuterCall;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.PanelSet;
import dev.fusion.common.contract.Usage;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.request.Limits;
import dev.fusion.ingress.request.Presets;
import dev.fusion.ingress.request.RequestLimits;
import dev.fusion.ingress.view.JobStatus;
import dev.fusion.ingress.view.JobView;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RejudgeRoutesTest {
  private static final FusionConfig CONFIG = FusionConfig.fromEnv(Map.of());
  private static final Limits LIMITS = Limits.of(CONFIG, new RequestLimits(8, 100_000, 8),
      Presets.fromEnv(Map.of(), CONFIG));
  private final FusionJob old = new FusionJob(1, "job_old", "t", List.of(ChatMessage.user("q")),
      List.of("sim/a", "sim/b", "sim/a"), "sim/judge", "sim/writer", 0.5, 100, 0);

  private FusionResult result(FusionJob job) {
    Usage u = new Usage(1, 2, 0, 0.01);
    return new FusionResult(1, "job_old", "t", "completed", "answer", "sim/writer", "fusion", null,
        List.of(new FusionResult.PanelResponse("sim/a", "sim/a", "first a", u, 10),
            new FusionResult.PanelResponse("sim/a", "sim/a", "second a", u, 10)),
        List.of(new FusionResult.FailedModel("sim/b", "rate_limited", 429, "HTTP 429")),
        null, null, null, Map.of(), 0, 1, null, job, null, null, null, null);
  }

  @Test
  void theNewJobKeepsTheConversationAndPanelAndLinksTheOriginal() {
    JobView view = new JobView("job_old", "t", JobStatus.COMPLETED, 0, 1, result(old));
    FusionJob job = RejudgeRoutes.rejudgeJob(view, Json.tree("{\"model\":\"sim/other\"}"), "t", LIMITS);
    assertThat(job.jobId()).isNotEqualTo("job_old");
    assertThat(job.rejudgeOf()).isEqualTo("job_old");
    assertThat(job.judgeModel()).isEqualTo("sim/other");
    assertThat(job.synthesizerModel()).isEqualTo("sim/writer");
    assertThat(job.messages()).isEqualTo(old.messages());
    assertThat(job.temperature()).isEqualTo(0.5);
  }

  @Test
  void theOuterCallsSettingsAndTheFailurePolicyCarryOverButNotTheRoutingCallsCost() {
    FusionJob chat = new FusionJob(1, "job_old", "t", List.of(ChatMessage.user("q")), List.of("sim/a"), "sim/judge",
        "sim/writer", null, null, 0, 4, null, null, null,
        new OuterCall(0.2, 300, Json.tree("[{\"type\":\"function\"}]"), "sim/writer", new Usage(5, 1, 0, null)),
        "off", FusionJob.ON_FAILURE_ANSWER);
    FusionJob job = RejudgeRoutes.rejudgeJob(new JobView("job_old", "t", JobStatus.COMPLETED, 0, 1, result(chat)),
        Json.object(), "t", LIMITS);
    assertThat(job.outer()).isEqualTo(new OuterCall(0.2, 300, Json.tree("[{\"type\":\"function\"}]"), null, null));
    assertThat(job.webTools()).isEqualTo("off");
    assertThat(job.onFailure()).isEqualTo(FusionJob.ON_FAILURE_ANSWER);
    assertThat(job.maxToolCalls()).isEqualTo(4);
  }

  @Test
  void thePanelIsRebuiltInOrderWithRepeatedModelsTakenOnceEach() {
    FusionJob job = RejudgeRoutes.rejudgeJob(new JobView("job_old", "t", JobStatus.COMPLETED, 0, 1, result(old)),
        Json.object(), "t", LIMITS);
    PanelSet panel = RejudgeRoutes.reusedPanel(job, result(old));
    assertThat(panel.answers()).extracting(PanelAnswer::panelIndex).containsExactly(0, 1, 2);
    assertThat(panel.answers()).extracting(PanelAnswer::content).containsExactly("first a", null, "second a");
    assertThat(panel.answers().get(1).failureReason()).isEqualTo("rate_limited");
    assertThat(panel.answers()).allMatch(a -> a.usage().equals(Usage.ZERO) && a.jobId().equals(job.jobId()));
  }

  @Test
  void aJudgeOrSynthesizerNoProviderServesIsRefusedAsOnEveryWayIn() {
    JobView view = new JobView("job_old", "t", JobStatus.COMPLETED, 0, 1, result(old));
    assertThatThrownBy(() -> RejudgeRoutes.rejudgeJob(view, Json.tree("{\"model\":\"nowhere/judge\"}"), "t", LIMITS))
        .isInstanceOfSatisfying(ApiError.class, e -> {
          assertThat(e.code()).isEqualTo("model_not_found");
          assertThat(e.param()).isEqualTo("model");
        });
    assertThatThrownBy(() -> RejudgeRoutes.rejudgeJob(view, Json.tree("{\"synthesizer\":\"fusion\"}"), "t", LIMITS))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("model_not_found"));
    assertThatThrownBy(() -> RejudgeRoutes.rejudgeJob(view, Json.tree("{\"colour\":1}"), "t", LIMITS))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("unknown_parameter"));
  }

  @Test
  void aJobWithoutStoredAnswersCannotBeRejudged() {
    FusionResult noJob = FusionResult.completed("job_old", "t", "a", "m", 0, 1);
    assertThatThrownBy(() -> RejudgeRoutes.rejudgeJob(new JobView("job_old", "t", JobStatus.COMPLETED, 0, 1, noJob),
        Json.object(), "t", LIMITS)).isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(409));
    assertThatThrownBy(() -> RejudgeRoutes.rejudgeJob(new JobView("job_old", "t", JobStatus.RUNNING, 0, 1, null),
        Json.object(), "t", LIMITS)).isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("job_not_finished"));
  }
}
