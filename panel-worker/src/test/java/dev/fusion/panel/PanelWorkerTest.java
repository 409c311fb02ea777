package dev.fusion.panel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fusion.common.StageContext;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.FusionEvent;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.JobCancellation;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.kafka.StageTestEnvironment;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The panel worker alone, against a real broker in the JVM and the model simulator over HTTP. */
class PanelWorkerTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  @RegisterExtension
  static final StageTestEnvironment ENV = new StageTestEnvironment();
  private StageContext ctx;
  private PanelWorker worker;

  /** A fresh pipeline per test, one partition per topic, so records of one topic keep their order. */
  @BeforeEach
  void start() throws Exception {
    var config = FusionConfig.fromEnv(ENV.pipelineEnv(Map.of("FUSION_TOPIC_PARTITIONS", "1")));
    ctx = new StageContext(config, ENV.vertx(), "panel-worker-test").ensureTopics();
    worker = new PanelWorker(ctx);
    assertThat(worker.isReady()).isFalse();
    worker.start();
    assertThat(worker.isReady()).as("ready when start() returns").isTrue();
  }

  @AfterEach
  void stop() {
    worker.stop();
    ctx.close();
  }

  private void submit(String jobId, String... models) throws Exception {
    ctx.publisher().send(ctx.topics().jobs(), jobId, new FusionJob(FusionJob.SCHEMA_VERSION, jobId, "t",
        List.of(ChatMessage.user("Why is the sea salty?")), List.of(models), "sim/judge", "sim/writer", null, null,
        System.currentTimeMillis())).get();
  }

  private List<PanelAnswer> answersOf(String jobId) {
    return ENV.kafka().valuesOf(ctx.topics().panelAnswers(), jobId).stream()
        .sorted(Comparator.comparingInt(PanelAnswer::panelIndex)).toList();
  }

  private List<String> eventTypesOf(String jobId) {
    return ENV.kafka().valuesOf(ctx.topics().events(), jobId).stream().map(FusionEvent::type).toList();
  }

  @Test
  void everyPanelModelGetsOneAnswerRecordASuccessOrATypedFailure() throws Exception {
    submit("job_panel", "sim/alpha", "sim/beta;fault=http500");

    await().atMost(WAIT).until(() -> answersOf("job_panel").size() == 2);
    List<PanelAnswer> answers = answersOf("job_panel");
    assertThat(answers.get(0).ok()).isTrue();
    assertThat(answers.get(0).model()).isEqualTo("sim/alpha");
    assertThat(answers.get(0).content()).isNotBlank();
    assertThat(answers.get(1).ok()).isFalse();
    assertThat(answers.get(1).failureReason()).isEqualTo(FailureReasons.UPSTREAM_ERROR);
    assertThat(answers.get(1).upstreamStatus()).isEqualTo(500);
    await().atMost(WAIT).until(() -> eventTypesOf("job_panel").size() == 4);
    assertThat(eventTypesOf("job_panel")).containsExactlyInAnyOrder(EventTypes.PANEL_ADDED, EventTypes.PANEL_ADDED,
        EventTypes.PANEL_COMPLETED, EventTypes.PANEL_FAILED);
  }

  @Test
  void aJobCancelledBeforeItsPanelStartedCallsNoModel() throws Exception {
    ctx.publisher().send(ctx.topics().cancellations(), "job_cancelled",
        new JobCancellation(JobCancellation.SCHEMA_VERSION, "job_cancelled", "t", System.currentTimeMillis())).get();
    await().atMost(WAIT).until(() -> ctx.cancellations().isCancelled("job_cancelled"));

    submit("job_cancelled", "sim/alpha");
    submit("job_after", "sim/alpha");

    // Records of a partition are taken in order: once a later job is answered, the cancelled one was seen
    await().atMost(WAIT).until(() -> answersOf("job_after").size() == 1);
    assertThat(answersOf("job_cancelled")).isEmpty();
    assertThat(eventTypesOf("job_cancelled")).isEmpty();
  }
}
