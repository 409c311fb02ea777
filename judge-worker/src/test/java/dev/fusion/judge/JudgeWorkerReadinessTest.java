package dev.fusion.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fusion.common.ServiceMain;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.kafka.StageTestEnvironment;
import dev.fusion.management.ManagementServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The judge worker's readiness on the management endpoint, over real HTTP against a real broker: not ready
 * while its aggregation restores its stores from the changelog, ready once they are restored and Streams is
 * RUNNING (and the model gateway reaches the simulator).
 */
class JudgeWorkerReadinessTest {
  @RegisterExtension
  static final StageTestEnvironment ENV = new StageTestEnvironment();
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int JOBS = 300;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void notReadyUntilTheStoreIsRestoredFromTheChangelogThenReady() throws Exception {
    FusionConfig config = FusionConfig.fromEnv(ENV.pipelineEnv(Map.of("FUSION_PANEL_DEADLINE_MS", "600000",
        "FUSION_TOPIC_PARTITIONS", "1")));
    String changelog = config.topicPrefix() + JudgeWorker.APPLICATION + "-" + PanelAggregator.STATE_STORE
        + "-changelog";
    try (StageContext ctx = new StageContext(config, ENV.vertx(), "judge-readiness-test").ensureTopics()) {
      // Given a changelog of open panels (a first worker saw half of each) and no local state
      JudgeWorker first = new JudgeWorker(ctx);
      first.start();
      List<CompletableFuture<?>> sent = new ArrayList<>();
      for (int i = 0; i < JOBS; i++) {
        String id = "job_" + i;
        sent.add(ctx.publisher().send(ctx.topics().jobs(), id, new FusionJob(FusionJob.SCHEMA_VERSION, id, "t",
            List.of(ChatMessage.user("q")), List.of("m0", "m1"), "sim/judge", "sim/writer", null, null,
            System.currentTimeMillis())));
        sent.add(ctx.publisher().send(ctx.topics().panelAnswers(), id,
            PanelAnswer.success(id, 0, "m0", "m0", "answer", null, 1, 2)));
      }
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get();
      await().atMost(WAIT).until(() -> ENV.kafka().readAll(changelog).size() >= JOBS);
      first.stop();
      deleteRecursively(JudgeWorker.stateDir(config));

      // When a new worker starts, its management endpoint reports what readiness is made of; each time it
      // answers ready, the records restored so far are noted (read before readiness itself)
      JudgeWorker judge = new JudgeWorker(ctx);
      List<Long> restoredWhenReady = new CopyOnWriteArrayList<>();
      ManagementServer management = new ManagementServer(ctx.vertx(), ctx.metrics().process(), () -> {
        long restored = judge.restoredRecords();
        Map<String, Boolean> checks = ServiceMain.readiness(ctx, judge);
        if (checks.values().stream().allMatch(Boolean::booleanValue)) {
          restoredWhenReady.add(restored);
        }
        return checks;
      });
      int port = management.start(0).await();
      try {
        HttpResponse<String> before = ready(port);
        assertThat(before.statusCode()).isEqualTo(503);
        assertThat(before.body()).contains("\"judge-worker\":false");
        assertThat(get(port, "/health/live").statusCode()).as("live while not ready").isEqualTo(200);

        CompletableFuture<Void> starting = CompletableFuture.runAsync(() -> {
          try {
            judge.start();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> ready(port).statusCode() == 200);
        starting.get();

        // Then it was never ready before every changelog record was back in the store
        long changelogRecords = ENV.kafka().readAll(changelog).size();
        assertThat(judge.restoredRecords()).isGreaterThanOrEqualTo(JOBS).isEqualTo(changelogRecords);
        assertThat(restoredWhenReady).isNotEmpty().allSatisfy(r -> assertThat(r).isEqualTo(changelogRecords));
        assertThat(ready(port).body()).contains("\"judge-worker\":true").contains("\"model-gateway\":true");
      } finally {
        management.close();
        judge.stop();
      }
    }
  }

  private HttpResponse<String> ready(int port) throws Exception {
    return get(port, "/health/ready");
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void deleteRecursively(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
