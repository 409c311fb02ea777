package dev.fusion.ingress;

import static dev.fusion.launcher.KafkaTopicsFixture.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fusion.common.Json;
import dev.fusion.common.contract.BatchState;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.JobCancellation;
import dev.fusion.common.kafka.Cancellations;
import dev.fusion.common.kafka.DeadLetterPublisher;
import dev.fusion.common.kafka.Topics;
import dev.fusion.ingress.batch.BatchStore;
import dev.fusion.ingress.view.JobStatus;
import dev.fusion.ingress.view.JobsView;
import dev.fusion.launcher.KafkaTopicsFixture;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The readers without a consumer group (cancellations, the jobs view, the batch store): poison goes to
 * the rejections topic with its reason and the reader moves on; a reader that reads the topic again
 * from the start (every start for cancellations, a rebuilt view) does not report it again.
 */
class GrouplessReadersPoisonTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  @RegisterExtension
  static final KafkaTopicsFixture kafka = new KafkaTopicsFixture();

  private List<ConsumerRecord<byte[], byte[]>> rejections(Topics topics) {
    return kafka.readAll(topics.rejections().name());
  }

  private static byte[] job(String id) {
    return Json.toBytes(new FusionJob(FusionJob.SCHEMA_VERSION, id, "t", List.of(ChatMessage.user("q")),
        List.of("sim/a"), "sim/j", "sim/s", null, null, System.currentTimeMillis()));
  }

  @Test
  void poisonedCancellationsAreReportedOnceAndNotApplied() throws Exception {
    Topics topics = kafka.newTopics(1);
    String topic = topics.cancellations().name();
    byte[] valid = Json.toBytes(new JobCancellation(JobCancellation.SCHEMA_VERSION, "job_c", "t", 1L));
    // (A record without a key cannot reach a compacted topic: the broker refuses it.)
    kafka.send(topic, "job_g", "garbage");
    kafka.send(topic, "job_x", "{\"x\":1}");
    kafka.send(topic, "job_c", valid);
    kafka.send(topic, "job_t", (byte[]) null); // A tombstone is not poison

    Cancellations first = new Cancellations(kafka.bootstrap(), topics.cancellations(),
        kafka.deadLetters(topics)).start();
    assertThat(first.isCancelled("job_c")).isTrue();
    assertThat(first.isCancelled("job_g")).isFalse();
    assertThat(first.isCancelled("job_x")).isFalse();
    assertThat(first.isReady()).isTrue();
    List<ConsumerRecord<byte[], byte[]>> letters = rejections(topics);
    assertThat(letters).extracting(r -> header(r, DeadLetterPublisher.OFFSET_HEADER)).containsExactly("0", "1");
    assertThat(letters).allSatisfy(r -> assertThat(header(r, DeadLetterPublisher.REASON_HEADER))
        .startsWith("cancellations: "));
    assertThat(header(letters.get(0), DeadLetterPublisher.REASON_HEADER)).contains("undeserializable");
    assertThat(header(letters.get(1), DeadLetterPublisher.REASON_HEADER)).contains("schema_version 0");
    first.close();

    // The next process start reads the topic from the beginning again, but reports only new poison
    Cancellations second = new Cancellations(kafka.bootstrap(), topics.cancellations(),
        kafka.deadLetters(topics)).start();
    try {
      assertThat(second.isCancelled("job_c")).isTrue();
      kafka.send(topic, "job_g2", "more garbage");
      await().atMost(WAIT).until(() -> rejections(topics).size() >= 3);
      assertThat(rejections(topics)).extracting(r -> header(r, DeadLetterPublisher.OFFSET_HEADER))
          .containsExactly("0", "1", "4");
    } finally {
      second.close();
    }
  }

  @Test
  void theJobsViewReportsPoisonOnAllItsTopicsAndARebuiltViewDoesNotReportItAgain() throws Exception {
    KafkaTopicsFixture.Pipeline pipeline = kafka.newPipeline(1, Map.of());
    Topics topics = pipeline.topics();
    kafka.send(topics.jobs().name(), "job_g", "not json");
    kafka.send(topics.jobs().name(), "job_x", "{\"x\":1}");
    kafka.send(topics.jobs().name(), null, job("job_nokey"));
    kafka.send(topics.jobs().name(), "job_n", (byte[]) null);
    kafka.send(topics.jobs().name(), "job_ok", job("job_ok"));
    kafka.send(topics.events().name(), "job_ok", "{\"type\":\"response.in_progress\"}");
    kafka.send(topics.results().name(), "job_gone", (byte[]) null); // A results tombstone is not poison
    kafka.send(topics.results().name(), "job_ok", "{\"schema_version\":7,\"job_id\":\"job_ok\",\"status\":\"completed\"}");
    DeadLetterPublisher deadLetters = kafka.deadLetters(topics);

    JobsView view = new JobsView(pipeline.config(), topics, deadLetters, Files.createTempDirectory("view"));
    view.start();
    try {
      assertThat(view.awaitCaughtUp(WAIT)).isTrue();
      assertThat(view.isReady()).isTrue();
      assertThat(view.read("job_ok").status()).isEqualTo(JobStatus.QUEUED); // The bad result did not complete it
      List<ConsumerRecord<byte[], byte[]>> letters = rejections(topics);
      assertThat(letters).extracting(r -> header(r, DeadLetterPublisher.SOURCE_HEADER)).containsExactlyInAnyOrder(
          topics.jobs().name() + "-0@0", topics.jobs().name() + "-0@1", topics.jobs().name() + "-0@2",
          topics.jobs().name() + "-0@3", topics.events().name() + "-0@0", topics.results().name() + "-0@1");
      assertThat(letters).allSatisfy(r -> assertThat(header(r, DeadLetterPublisher.REASON_HEADER))
          .startsWith("ingress-view: "));
    } finally {
      view.stop();
    }

    // A view rebuilt from nothing reads every topic again; only new poison is reported
    JobsView rebuilt = new JobsView(pipeline.config(), topics, deadLetters, Files.createTempDirectory("view-rebuilt"));
    rebuilt.start();
    try {
      assertThat(rebuilt.awaitCaughtUp(WAIT)).isTrue();
      assertThat(rebuilt.read("job_ok")).isNotNull();
      kafka.send(topics.events().name(), "job_ok", "[]");
      await().atMost(WAIT).until(() -> rejections(topics).size() >= 7);
      assertThat(rejections(topics)).hasSize(7);
    } finally {
      rebuilt.stop();
    }
  }

  @Test
  void theBatchStoreReportsPoisonAndKeepsValidStates() throws Exception {
    KafkaTopicsFixture.Pipeline pipeline = kafka.newPipeline(1, Map.of());
    Topics topics = pipeline.topics();
    BatchState state = new BatchState(BatchState.SCHEMA_VERSION, "batch_1", "t", BatchState.IN_PROGRESS, 1, 1, 0,
        List.of(), Map.of(), 0, 0, 0, 1L, 2L, null, null, null);
    kafka.send(topics.batches().name(), "batch_g", "garbage");
    kafka.send(topics.batches().name(), "batch_0", (byte[]) null); // A tombstone on a compacted topic
    kafka.send(topics.batches().name(), "batch_1", Json.toBytes(state));
    kafka.send(topics.batchItems().name(), "batch_1/0", "{\"schema_version\":1,\"batch_id\":\"batch_1\"}");

    BatchStore store = new BatchStore(pipeline.config(), topics, kafka.deadLetters(topics),
        Files.createTempDirectory("batches"));
    store.start();
    try {
      assertThat(store.awaitCaughtUp(WAIT)).isTrue();
      assertThat(store.state("batch_1").status()).isEqualTo(BatchState.IN_PROGRESS);
      assertThat(store.item("batch_1", 0)).isNull();
      List<ConsumerRecord<byte[], byte[]>> letters = rejections(topics);
      assertThat(letters).extracting(r -> header(r, DeadLetterPublisher.SOURCE_HEADER))
          .containsExactlyInAnyOrder(topics.batches().name() + "-0@0", topics.batchItems().name() + "-0@0");
      assertThat(header(letters.stream().filter(r -> header(r, DeadLetterPublisher.SOURCE_HEADER)
          .startsWith(topics.batchItems().name())).findFirst().orElseThrow(), DeadLetterPublisher.REASON_HEADER))
          .startsWith("ingress-batch-store: ").contains("missing job");
    } finally {
      store.stop();
    }
  }
}
