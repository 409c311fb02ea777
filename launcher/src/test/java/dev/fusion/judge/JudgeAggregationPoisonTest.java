package dev.fusion.judge;

import static dev.fusion.launcher.KafkaTopicsFixture.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fusion.common.Json;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.PanelSet;
import dev.fusion.common.kafka.DeadLetterPublisher;
import dev.fusion.common.kafka.Topics;
import dev.fusion.launcher.KafkaTopicsFixture;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bug A and the Streams side of the failure policy: poison on the aggregation's inputs, and an output
 * too large to write, are dead-lettered and the stream thread carries on, so later jobs complete.
 */
class JudgeAggregationPoisonTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static KafkaTopicsFixture kafka;
  /**
   * Kafka Streams reports the unwritable panel this test sends at ERROR, with a stack trace, before the
   * production handler dead-letters it: expected here, and not to be read as a failure in a green build.
   */
  private static final ch.qos.logback.classic.Logger STREAMS_SENDER = (ch.qos.logback.classic.Logger)
      org.slf4j.LoggerFactory.getLogger("org.apache.kafka.streams.processor.internals.RecordCollectorImpl");
  private static ch.qos.logback.classic.Level senderLevel;

  @BeforeAll
  static void broker() {
    senderLevel = STREAMS_SENDER.getLevel();
    STREAMS_SENDER.setLevel(ch.qos.logback.classic.Level.OFF);
    kafka = new KafkaTopicsFixture();
  }

  @AfterAll
  static void closeBroker() {
    kafka.close();
    STREAMS_SENDER.setLevel(senderLevel);
  }

  private static byte[] job(String id, List<String> models, String prompt) {
    return Json.toBytes(new FusionJob(FusionJob.SCHEMA_VERSION, id, "t", List.of(ChatMessage.user(prompt)), models,
        "sim/j", "sim/s", null, null, System.currentTimeMillis()));
  }

  private static byte[] answer(String jobId, int index, String content) {
    return Json.toBytes(PanelAnswer.success(jobId, index, "sim/m" + index, "sim/m" + index, content, null, 1, 2));
  }

  @Test
  void poisonOnJobsAndAnswersAndAnUnwritablePanelAreDeadLetteredAndLaterJobsStillComplete() throws Exception {
    String prefix = kafka.newPrefix();
    Topics topics = kafka.topics(prefix, 1);
    FusionConfig config = FusionConfig.fromEnv(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrap(),
        "FUSION_TOPIC_PREFIX", prefix, "FUSION_DATA_DIR", Files.createTempDirectory("judge-poison").toString(),
        "FUSION_PANEL_DEADLINE_MS", "600000"));
    AtomicInteger uncaught = new AtomicInteger();
    KafkaStreams streams = new KafkaStreams(
        JudgeTopology.build(topics, new PanelCompletion(config.panelDeadline(), config.panelQuorum()),
            Duration.ofMillis(250), Duration.ofMinutes(30)),
        JudgeWorker.streamsProps(config, topics.rejections().name()));
    var policy = StreamsDeadLetters.uncaughtHandler();
    streams.setUncaughtExceptionHandler(e -> {
      uncaught.incrementAndGet();
      return policy.handle(e);
    });
    String jobs = topics.jobs().name();
    String answers = topics.panelAnswers().name();
    try {
      streams.start();
      // Poison on both inputs: garbage, the wrong shape (bug A), no key
      kafka.send(jobs, "job_garbage", "not json {");
      kafka.send(jobs, "job_x", "{\"x\":1}");
      kafka.send(jobs, null, job("job_nokey", List.of("sim/a"), "q"));
      kafka.send(answers, "job_garbage", "\u0000\u0001binary");
      kafka.send(answers, "job_x", "{\"x\":1}");
      // A panel whose set is over the producer's 1 MB limit: its last answer cannot be turned into output
      kafka.send(jobs, "job_big", job("job_big", List.of("sim/m0"), "p".repeat(400_000)));
      kafka.send(answers, "job_big", answer("job_big", 0, "a".repeat(700_000)));
      // Then a valid job, behind all of it in the same partitions
      kafka.send(jobs, "job_ok", job("job_ok", List.of("sim/m0", "sim/m1"), "q"));
      kafka.send(answers, "job_ok", answer("job_ok", 0, "first"));
      kafka.send(answers, "job_ok", answer("job_ok", 1, "second"));

      await().atMost(WAIT).until(() -> kafka.readAll(topics.panels().name()).stream()
          .anyMatch(r -> "job_ok".equals(new String(r.key()))));
      ConsumerRecord<byte[], byte[]> panel = kafka.readAll(topics.panels().name()).stream()
          .filter(r -> "job_ok".equals(new String(r.key()))).findFirst().orElseThrow();
      assertThat(Json.fromBytes(panel.value(), PanelSet.class).completion()).isEqualTo(PanelSet.ALL_ANSWERED);

      await().atMost(WAIT).until(() -> kafka.readAll(topics.rejections().name()).size() >= 6);
      List<ConsumerRecord<byte[], byte[]>> letters = kafka.readAll(topics.rejections().name());
      assertThat(letters).hasSize(6);
      assertThat(letters).allSatisfy(r -> assertThat(header(r, DeadLetterPublisher.REASON_HEADER))
          .startsWith(StreamsDeadLetters.STAGE + ": "));
      assertThat(letters).extracting(r -> header(r, DeadLetterPublisher.SOURCE_HEADER)).containsExactlyInAnyOrder(
          jobs + "-0@0", jobs + "-0@1", jobs + "-0@2", answers + "-0@0", answers + "-0@1", answers + "-0@2");
      assertThat(reasonOf(letters, jobs + "-0@1")).contains("undeserializable").contains("schema_version 0");
      assertThat(reasonOf(letters, jobs + "-0@2")).contains("processing failed").contains("without a key");
      assertThat(reasonOf(letters, answers + "-0@2")).contains("not writable").contains("RecordTooLargeException");
      // The raw bytes of the input whose output failed are not handed to the production handler: a reference
      assertThat(header(letterOf(letters, answers + "-0@2"), DeadLetterPublisher.OFFSET_HEADER)).isEqualTo("2");
      // Poison read from the input is carried as it was
      assertThat(new String(letterOf(letters, jobs + "-0@1").value())).isEqualTo("{\"x\":1}");
      assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
      assertThat(uncaught).hasValue(0); // No stream thread died and was replaced
    } finally {
      streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
          .withTimeout(Duration.ofSeconds(10)));
    }
  }

  private static ConsumerRecord<byte[], byte[]> letterOf(List<ConsumerRecord<byte[], byte[]>> letters, String source) {
    return letters.stream().filter(r -> source.equals(header(r, DeadLetterPublisher.SOURCE_HEADER))).findFirst()
        .orElseThrow();
  }

  private static String reasonOf(List<ConsumerRecord<byte[], byte[]>> letters, String source) {
    return header(letterOf(letters, source), DeadLetterPublisher.REASON_HEADER);
  }
}
