package dev.fusion.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fusion.common.Json;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.PanelSet;
import dev.fusion.common.kafka.InJvmKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A restarted judge worker finds its stores in its stable state directory and restores nothing it
 * already has; only without that directory does it restore the whole changelog. Against a real broker
 * in the JVM; the judge model is unreachable, which does not matter here.
 */
class JudgeWorkerRestartTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int JOBS = 20;
  private static InJvmKafka kafka;

  @BeforeAll
  static void broker() {
    kafka = InJvmKafka.start();
  }

  @AfterAll
  static void closeBroker() {
    kafka.close();
  }

  @Test
  void aRestartRestoresFromItsExistingStateDirectoryNotFromScratch() throws Exception {
    FusionConfig config = FusionConfig.fromEnv(kafka.pipelineEnv(Map.of("FUSION_PANEL_DEADLINE_MS", "600000",
        "FUSION_TOPIC_PARTITIONS", "1", "FUSION_SIMULATOR_URL", "http://127.0.0.1:1")));
    String changelog = config.topicPrefix() + JudgeWorker.APPLICATION + "-" + PanelAggregator.STATE_STORE
        + "-changelog";
    try (StageContext ctx = new StageContext(config, null, "judge-restart-test").ensureTopics()) {
      // A first worker aggregates half of every panel: open panels in its store and its changelog
      JudgeWorker first = new JudgeWorker(ctx);
      first.start();
      assertThat(first.isReady()).isTrue();
      for (int i = 0; i < JOBS; i++) {
        String id = "job_" + i;
        ctx.publisher().send(ctx.topics().jobs(), id, new FusionJob(FusionJob.SCHEMA_VERSION, id, "t",
            List.of(ChatMessage.user("q")), List.of("m0", "m1"), "sim/judge", "sim/writer", null, null,
            System.currentTimeMillis())).get();
        ctx.publisher().send(ctx.topics().panelAnswers(), id, answer(id, 0)).get();
      }
      await().atMost(WAIT).until(() -> kafka.readAll(changelog).size() >= JOBS);
      first.stop();
      Path stateDir = JudgeWorker.stateDir(config);
      assertThat(stateDir).as("stable, named after the instance").endsWith(Path.of("judge-streams",
          JudgeWorker.DEFAULT_INSTANCE)).isDirectory();

      // Restarted on the same directory: ready with its stores as they were, nothing restored
      JudgeWorker second = new JudgeWorker(ctx);
      second.start();
      assertThat(second.isReady()).isTrue();
      assertThat(second.restoredRecords()).isZero();
      for (int i = 0; i < JOBS; i++) {
        ctx.publisher().send(ctx.topics().panelAnswers(), "job_" + i, answer("job_" + i, 1)).get();
      }
      // The first halves came from the local store: every panel is complete
      await().atMost(WAIT).until(() -> panelSets(ctx).size() == JOBS);
      assertThat(panelSets(ctx)).allSatisfy(s -> {
        assertThat(s.completion()).isEqualTo(PanelSet.ALL_ANSWERED);
        assertThat(s.answers()).allMatch(PanelAnswer::ok);
      });
      second.stop();

      // Without its directory a worker restores the whole changelog
      deleteRecursively(stateDir);
      JudgeWorker third = new JudgeWorker(ctx);
      third.start();
      try {
        assertThat(third.restoredRecords()).isGreaterThanOrEqualTo(JOBS);
      } finally {
        third.stop();
      }
    }
  }

  private static PanelAnswer answer(String jobId, int index) {
    return PanelAnswer.success(jobId, index, "m" + index, "m" + index, "answer " + index, null, 1, 2);
  }

  private static List<PanelSet> panelSets(StageContext ctx) {
    return kafka.readAll(ctx.topics().panels().name()).stream()
        .map(r -> Json.fromBytes(r.value(), PanelSet.class)).toList();
  }

  private static void deleteRecursively(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
