package dev.fusion.synthesizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fusion.common.StageContext;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.AnalysisRecord;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.FusionEvent;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.PanelSet;
import dev.fusion.common.kafka.StageTestEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The synthesizer alone, against a real broker in the JVM and the model simulator over HTTP. */
class SynthesizerTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  @RegisterExtension
  static final StageTestEnvironment ENV = new StageTestEnvironment();
  private StageContext ctx;
  private Synthesizer synthesizer;

  @BeforeEach
  void start() throws Exception {
    ctx = new StageContext(FusionConfig.fromEnv(ENV.pipelineEnv(Map.of())), ENV.vertx(), "synthesizer-test")
        .ensureTopics();
    synthesizer = new Synthesizer(ctx);
    assertThat(synthesizer.isReady()).isFalse();
    synthesizer.start();
    assertThat(synthesizer.isReady()).as("ready when start() returns").isTrue();
  }

  @AfterEach
  void stop() {
    synthesizer.stop();
    ctx.close();
  }

  /** What the judge stage hands on: two panel answers and, here, the judge's failure to analyse them. */
  private void analysed(String jobId, String synthesizerModel, List<PanelAnswer> answers, String judgeFailure)
      throws Exception {
    FusionJob job = new FusionJob(FusionJob.SCHEMA_VERSION, jobId, "acme", List.of(ChatMessage.user("Why tides?")),
        answers.stream().map(PanelAnswer::model).toList(), "sim/judge", synthesizerModel, null, null,
        System.currentTimeMillis());
    long now = System.currentTimeMillis();
    ctx.publisher().send(ctx.topics().analyses(), jobId, new AnalysisRecord(AnalysisRecord.SCHEMA_VERSION, jobId,
        job, answers, PanelSet.ALL_ANSWERED, now, null, "sim/judge", judgeFailure, null, null, now, now)).get();
  }

  private static List<PanelAnswer> twoAnswers(String jobId) {
    return List.of(PanelAnswer.success(jobId, 0, "sim/alpha", "sim/alpha", "The moon pulls the sea.", null, 1, 2),
        PanelAnswer.success(jobId, 1, "sim/beta", "sim/beta", "Gravity of moon and sun.", null, 1, 2));
  }

  private Optional<FusionResult> resultOf(String jobId) {
    return ENV.kafka().valuesOf(ctx.topics().results(), jobId).stream().findFirst();
  }

  private List<FusionEvent> eventsOf(String jobId) {
    return ENV.kafka().valuesOf(ctx.topics().events(), jobId);
  }

  @Test
  void theFinalAnswerIsStreamedAsDeltasAndPublishedAsOneResultThatKeepsTheJudgesReason() throws Exception {
    analysed("job_synth", "sim/writer", twoAnswers("job_synth"), FailureReasons.JUDGE_NOT_VALID_JSON);

    await().atMost(WAIT).until(() -> resultOf("job_synth").isPresent());
    FusionResult result = resultOf("job_synth").orElseThrow();
    assertThat(result.status()).isEqualTo(FusionResult.COMPLETED);
    assertThat(result.answer()).isNotBlank();
    assertThat(result.tenant()).isEqualTo("acme");
    assertThat(result.failureReason()).isEqualTo(FailureReasons.JUDGE_NOT_VALID_JSON);
    assertThat(result.responses()).extracting(FusionResult.PanelResponse::model).containsExactly("sim/alpha", "sim/beta");

    await().atMost(WAIT).until(() -> eventsOf("job_synth").stream().anyMatch(e -> EventTypes.COMPLETED.equals(e.type())));
    List<FusionEvent> events = eventsOf("job_synth");
    String streamed = events.stream().filter(e -> EventTypes.OUTPUT_TEXT_DELTA.equals(e.type()))
        .map(e -> e.data().path("delta").asText()).reduce("", String::concat);
    assertThat(streamed).isEqualTo(result.answer());
    assertThat(events.get(events.size() - 1).type()).isEqualTo(EventTypes.COMPLETED);
  }

  @Test
  void aSynthesizerModelThatFailsGivesAFailedResultSayingSo() throws Exception {
    analysed("job_broken", "sim/writer;fault=http500", twoAnswers("job_broken"), null);

    await().atMost(WAIT).until(() -> resultOf("job_broken").isPresent());
    FusionResult result = resultOf("job_broken").orElseThrow();
    assertThat(result.status()).isEqualTo(FusionResult.FAILED);
    assertThat(result.failureReason()).isEqualTo(FailureReasons.SYNTHESIZER_FAILED);
    assertThat(result.error()).contains(FailureReasons.UPSTREAM_ERROR);
  }

  @Test
  void aPanelWithoutAnyAnswerFailsWithoutCallingTheSynthesizer() throws Exception {
    List<PanelAnswer> failed = List.of(PanelAnswer.failure("job_empty", 0, "sim/alpha", FailureReasons.UPSTREAM_ERROR,
        500, "down", 1, 2));
    // A synthesizer that would hang: the result can only come if it is not called
    analysed("job_empty", "sim/writer;fault=hang", failed, FailureReasons.ALL_PANELS_FAILED);

    await().atMost(WAIT).until(() -> resultOf("job_empty").isPresent());
    FusionResult result = resultOf("job_empty").orElseThrow();
    assertThat(result.status()).isEqualTo(FusionResult.FAILED);
    assertThat(result.failureReason()).isEqualTo(FailureReasons.ALL_PANELS_FAILED);
    assertThat(result.failedModels()).extracting(FusionResult.FailedModel::reason)
        .containsExactly(FailureReasons.UPSTREAM_ERROR);
  }
}
