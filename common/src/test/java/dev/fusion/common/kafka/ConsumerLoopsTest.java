package dev.fusion.common.kafka;

import static dev.fusion.common.kafka.KafkaTestTopics.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.fusion.common.Json;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.JobCancellation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The shared consumer loops against a real broker: the async worker under poison, retriable and fatal
 * failures; and the lifecycle of the worker and of the group-less readers: {@code start()} returns ready
 * (a group consumer assigned, a reader caught up) or throws saying why, and {@code isReady()} tells the
 * truth.
 */
@Execution(ExecutionMode.CONCURRENT) // Each test has its own topics and groups on the shared broker.
class ConsumerLoopsTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static InJvmKafka kafka;
  private static Publisher publisher;

  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final List<String> handled = new CopyOnWriteArrayList<>();
  private final List<AsyncConsumerWorker<FusionJob>> workers = new CopyOnWriteArrayList<>();
  private Topics topics;

  @BeforeAll
  static void broker() {
    kafka = InJvmKafka.shared();
    publisher = new Publisher(kafka.bootstrap(), "worker-test");
  }

  @AfterAll
  static void closeBroker() {
    publisher.close();
  }

  @AfterEach
  void stopWorkers() {
    workers.forEach(AsyncConsumerWorker::stop);
  }

  /**
   * What the handler does is named by the job ID: ok-*, bug (a failed future), bug-sync (throws),
   * large (its output is over the producer's limit), flaky-N (a timeout N times, then fine),
   * flaky-forever, auth (not authorized).
   */
  private CompletableFuture<?> handle(String key, FusionJob job) {
    String id = job.jobId();
    int call = calls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    if (id.equals("bug")) {
      return CompletableFuture.failedFuture(new IllegalStateException("a bug"));
    }
    if (id.equals("bug-sync")) {
      throw new NullPointerException("a bug thrown at once");
    }
    if (id.equals("large")) {
      return publisher.sendRaw(topics.analyses().name(), key.getBytes(), new byte[2_000_000], null);
    }
    if (id.equals("auth")) {
      return CompletableFuture.failedFuture(new TopicAuthorizationException(Set.of(topics.analyses().name())));
    }
    if (id.equals("flaky-forever") || (id.startsWith("flaky-") && call <= Integer.parseInt(id.substring(6)))) {
      return CompletableFuture.failedFuture(new TimeoutException("broker did not answer"));
    }
    handled.add(id);
    return CompletableFuture.completedFuture(null);
  }

  private AsyncConsumerWorker<FusionJob> start(String group, int maxAttempts, Duration backoff) throws Exception {
    var worker = worker(kafka.bootstrap(), group).maxAttempts(maxAttempts).retryBackoff(backoff);
    worker.start();
    return worker;
  }

  /** A worker of {@link #handle} on this test's topics, not started. */
  private AsyncConsumerWorker<FusionJob> worker(String bootstrap, String group) {
    var worker = new AsyncConsumerWorker<>("test-worker", topics.jobs(),
        KafkaConfigs.consumer(bootstrap, group, "test-worker"), this::handle,
        new DeadLetterPublisher(publisher, topics), 10, null);
    workers.add(worker);
    return worker;
  }

  private static byte[] job(String id) {
    return Json.toBytes(new FusionJob(FusionJob.SCHEMA_VERSION, id, "t", List.of(ChatMessage.user("q")),
        List.of("sim/a"), "sim/j", "sim/s", null, null, System.currentTimeMillis()));
  }

  private OffsetAndMetadata committed(String group) {
    var props = KafkaConfigs.consumer(kafka.bootstrap(), group, "probe");
    try (var consumer = new KafkaConsumer<byte[], byte[]>(props)) {
      TopicPartition tp = new TopicPartition(topics.jobs().name(), 0);
      return consumer.committed(Set.of(tp)).get(tp);
    }
  }

  private List<ConsumerRecord<byte[], byte[]>> rejections() {
    return kafka.readAll(topics.rejections().name());
  }

  @Test
  void poisonAndFailingRecordsAreDeadLetteredWithTheirReasonAndThePartitionMovesOn() throws Exception {
    topics = kafka.newTopics(1);
    String jobs = topics.jobs().name();
    kafka.send(jobs, "k0", "not json {");
    kafka.send(jobs, "k1", "{\"x\":1}");
    byte[] bug = job("bug");
    kafka.send(jobs, "k2", bug);
    kafka.send(jobs, "k3", job("bug-sync"));
    kafka.send(jobs, "k4", job("large"));
    kafka.send(jobs, "k5", (byte[]) null);
    kafka.send(jobs, "k6", job("ok-1"));

    var worker = start("g-poison", 5, Duration.ofMillis(10));

    await().atMost(WAIT).until(() -> committed("g-poison") != null && committed("g-poison").offset() == 7);
    assertThat(handled).containsExactly("ok-1");
    assertThat(worker.isReady()).isTrue();
    List<ConsumerRecord<byte[], byte[]>> rejected = rejections();
    assertThat(rejected).extracting(r -> header(r, DeadLetterPublisher.OFFSET_HEADER))
        .containsExactlyInAnyOrder("0", "1", "2", "3", "4", "5");
    Map<String, String> reasons = new java.util.HashMap<>();
    rejected.forEach(r -> reasons.put(header(r, DeadLetterPublisher.OFFSET_HEADER),
        header(r, DeadLetterPublisher.REASON_HEADER)));
    assertThat(reasons.get("0")).startsWith("test-worker: undeserializable");
    assertThat(reasons.get("1")).contains("breaks its contract").contains("schema_version 0");
    assertThat(reasons.get("2")).contains("processing failed").contains("a bug");
    assertThat(reasons.get("3")).contains("processing failed").contains("NullPointerException");
    assertThat(reasons.get("4")).contains("RecordTooLargeException");
    assertThat(reasons.get("5")).contains("without a value");
    // The rejected input itself was small, so its letter carries it as it was
    ConsumerRecord<byte[], byte[]> letter = rejected.stream()
        .filter(r -> "2".equals(header(r, DeadLetterPublisher.OFFSET_HEADER))).findFirst().orElseThrow();
    assertThat(letter.value()).isEqualTo(bug);
    assertThat(new String(letter.key())).isEqualTo("k2");
    assertThat(header(letter, DeadLetterPublisher.VALUE_OMITTED_HEADER)).isNull();
  }

  @Test
  void aRetriableFailureIsRetriedAndABoundedNumberOfAttemptsLaterDeadLettered() throws Exception {
    topics = kafka.newTopics(1);
    String jobs = topics.jobs().name();
    kafka.send(jobs, "k0", job("flaky-forever"));
    kafka.send(jobs, "k1", job("flaky-2"));
    kafka.send(jobs, "k2", job("ok-after"));

    start("g-retry", 3, Duration.ofMillis(10));

    await().atMost(WAIT).until(() -> committed("g-retry") != null && committed("g-retry").offset() == 3);
    assertThat(calls.get("flaky-forever")).hasValue(3);
    assertThat(calls.get("flaky-2")).hasValue(3);
    assertThat(handled).containsExactlyInAnyOrder("flaky-2", "ok-after");
    List<ConsumerRecord<byte[], byte[]>> rejected = rejections();
    assertThat(rejected).hasSize(1);
    assertThat(header(rejected.get(0), DeadLetterPublisher.REASON_HEADER))
        .contains("still failing after 3 attempts").contains("broker did not answer");
  }

  @Test
  void failuresWhileKafkaIsKnownUnreachableDoNotCountSoAnOutageDeadLettersNothing() throws Exception {
    topics = kafka.newTopics(1);
    kafka.send(topics.jobs().name(), "k0", job("flaky-forever"));
    java.util.concurrent.atomic.AtomicBoolean outage = new AtomicBoolean(true);

    // Given an outage, far more failures than the 2 attempts allowed are only retried
    start("g-outage", 2, Duration.ofMillis(10)).attemptsPausedWhile(outage::get);
    await().atMost(WAIT).until(() -> calls.get("flaky-forever") != null && calls.get("flaky-forever").get() >= 10);
    assertThat(rejections()).isEmpty();

    // When Kafka is back and the record still fails, its attempts count again
    outage.set(false);
    await().atMost(WAIT).until(() -> committed("g-outage") != null && committed("g-outage").offset() == 1);
    assertThat(rejections()).hasSize(1);
    assertThat(header(rejections().get(0), DeadLetterPublisher.REASON_HEADER)).contains("after 2 attempts");
  }

  @Test
  void attemptsSurviveARestartInTheCommitMetadata() throws Exception {
    topics = kafka.newTopics(1);
    kafka.send(topics.jobs().name(), "k0", job("flaky-forever"));

    // A first instance fails the record once, then waits far longer than this test for its retry
    var first = start("g-restart", 3, Duration.ofHours(1));
    await().atMost(WAIT).until(() -> committed("g-restart") != null);
    assertThat(committed("g-restart").offset()).isZero();
    assertThat(committed("g-restart").metadata()).isEqualTo(AsyncConsumerWorker.ATTEMPTS_METADATA + "0:1");
    first.stop();

    // The next instance allows 2 attempts in all: one more failure and the record is dead-lettered
    start("g-restart", 2, Duration.ofMillis(10));
    await().atMost(WAIT).until(() -> committed("g-restart").offset() == 1);
    assertThat(calls.get("flaky-forever")).hasValue(2);
    assertThat(header(rejections().get(0), DeadLetterPublisher.REASON_HEADER)).contains("after 2 attempts");
  }

  @Test
  void aFatalFailureStopsTheWorkerWhichReportsNotReadyAndCommitsNothingUnfinished() throws Exception {
    topics = kafka.newTopics(1);
    kafka.send(topics.jobs().name(), "k0", job("ok-first"));
    kafka.send(topics.jobs().name(), "k1", job("auth"));
    kafka.send(topics.jobs().name(), "k2", job("ok-later"));

    // The worker logs its fatal failure at ERROR, with the stack trace: asserted here, not printed into the
    // output of a green build (the test logger writes to System.err).
    PrintStream original = System.err;
    ByteArrayOutputStream logged = new ByteArrayOutputStream();
    System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
    try {
      var worker = start("g-fatal", 5, Duration.ofMillis(10));

      await().atMost(WAIT).until(() -> !worker.isReady());
      assertThat(worker.fatalFailure()).contains("TopicAuthorizationException");
      await().atMost(WAIT).until(() -> logged.toString(StandardCharsets.UTF_8).contains("fatal failure, stopping"));
    } finally {
      System.setErr(original);
    }
    assertThat(logged.toString(StandardCharsets.UTF_8)).contains("ERROR", "TopicAuthorizationException");
    // Finished work is committed, the failed record is not: a fixed deployment starts from it
    await().atMost(WAIT).until(() -> committed("g-fatal") != null);
    assertThat(committed("g-fatal").offset()).isEqualTo(1);
    assertThat(rejections()).isEmpty();
  }

  @Test
  void aWorkerIsReadyOnlyOnceStartReturnedWithItsFirstAssignment() throws Exception {
    topics = kafka.newTopics(2);
    var worker = worker(kafka.bootstrap(), "g-ready");
    assertThat(worker.isReady()).isFalse();

    worker.start();

    assertThat(worker.awaitAssignment(Duration.ZERO)).as("assigned before start() returned").isTrue();
    assertThat(worker.isReady()).isTrue();
    worker.stop();
    assertThat(worker.isReady()).isFalse();
  }

  @Test
  void aMemberLeftWithoutPartitionsIsReadyAndTheOtherDoesTheWork() throws Exception {
    topics = kafka.newTopics(1);
    var first = worker(kafka.bootstrap(), "g-idle");
    var second = worker(kafka.bootstrap(), "g-idle").startTimeout(Duration.ofSeconds(30));

    // Two members, one partition: one of them gets nothing, and both starts return ready
    first.start();
    second.start();
    assertThat(first.isReady()).isTrue();
    assertThat(second.isReady()).isTrue();

    kafka.send(topics.jobs().name(), "k", job("ok-idle"));
    await().atMost(WAIT).until(() -> handled.contains("ok-idle"));
    assertThat(handled).containsExactly("ok-idle");
  }

  @Test
  void aStartWithoutAnAssignmentWithinItsBoundFailsSayingSoAndLeavesNothingRunning() {
    topics = new Topics(kafka.newPrefix());
    // Nothing listens on this port: the group can never be joined
    var worker = worker("127.0.0.1:1", "g-nobroker").startTimeout(Duration.ofSeconds(2));

    assertThatThrownBy(worker::start).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("test-worker").hasMessageContaining("not ready within 2000 ms");
    assertThat(worker.isReady()).isFalse();
  }

  @Test
  void cancellationsStartOnlyOnceTheyKnowEveryEarlierCancellation() throws Exception {
    topics = kafka.newTopics(3);
    for (int i = 0; i < 30; i++) {
      publisher.send(topics.cancellations(), "job_" + i,
          new JobCancellation(JobCancellation.SCHEMA_VERSION, "job_" + i, "t", System.currentTimeMillis())).get();
    }

    try (Cancellations cancellations =
        new Cancellations(kafka.bootstrap(), topics.cancellations(), new DeadLetterPublisher(publisher, topics))) {
      assertThat(cancellations.isReady()).isFalse();
      cancellations.start();

      assertThat(cancellations.isReady()).isTrue();
      for (int i = 0; i < 30; i++) {
        assertThat(cancellations.isCancelled("job_" + i)).isTrue();
      }
    }
  }

  @Test
  void aReaderThatStoppedIsNotWaitedForAndSaysWhy() throws Exception {
    topics = kafka.newTopics(1);
    var reader = new TopicReader("stopping-reader", Duration.ofMillis(50), new DeadLetterPublisher(publisher, topics),
        null, (records, rejects) -> { });
    reader.start(kafka.bootstrap(), List.of(topics.jobs().name()), tp -> null);
    reader.stop();

    CompletableFuture<Boolean> caughtUp = CompletableFuture.supplyAsync(() -> {
      try {
        return reader.awaitCaughtUp(WAIT);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    // It answers at once rather than waiting out the minute it was given: well before half of it.
    await().atMost(WAIT.dividedBy(2)).until(caughtUp::isDone);
    assertThat(caughtUp.join()).isFalse();
    assertThat(reader.isReady()).isFalse();
    assertThat(reader.stoppedBecause()).isEqualTo("stopped");
  }

  /**
   * Another member joining revokes partitions from this one; the revocation waits in the consumer's
   * queue for its next poll. Closing then must run it, not drop it (which Kafka logs as an ERROR).
   */
  @Test
  void aMemberClosingWhileItsGroupRebalancesRunsTheQueuedRevocationInsteadOfDroppingIt() throws Exception {
    topics = kafka.newTopics(2);
    String group = kafka.newPrefix() + "rebalancing";
    List<List<TopicPartition>> revocations = new CopyOnWriteArrayList<>();
    AtomicInteger assignments = new AtomicInteger();
    KafkaConsumer<byte[], byte[]> first = new KafkaConsumer<>(KafkaConfigs.consumer(kafka.bootstrap(), group, "first"));
    KafkaConsumer<byte[], byte[]> second = new KafkaConsumer<>(KafkaConfigs.consumer(kafka.bootstrap(), group, "second"));
    var secondPolls = new AtomicBoolean(true);
    TrackedRebalanceListener secondRebalances = new TrackedRebalanceListener(new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
    });
    Thread secondThread = new Thread(() -> {
      while (secondPolls.get()) {
        second.poll(Duration.ofMillis(100));
      }
      ConsumerThreads.close(second, secondRebalances, Duration.ofSeconds(5), "second");
    });
    try {
      // Given a member that owns both partitions
      TrackedRebalanceListener rebalances = new TrackedRebalanceListener(new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          revocations.add(List.copyOf(partitions));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          assignments.incrementAndGet();
        }
      });
      first.subscribe(List.of(topics.jobs().name()), rebalances);
      await().atMost(WAIT).until(() -> {
        first.poll(Duration.ofMillis(100));
        return first.assignment().size() == 2;
      });
      // (The broker may hand the two partitions over in one step or two: count from here.)
      int assignedBeforeSecondJoined = assignments.get();

      // When a second member joins and the first has its revocation queued, not yet run, as it closes
      second.subscribe(List.of(topics.jobs().name()), secondRebalances);
      secondThread.start();
      // (Its reconciliation starts on a poll; the revocation it queues runs on the poll after that.)
      await().atMost(WAIT).until(() -> {
        if (ConsumerThreads.queuedForPoll(first) > 0) {
          return true;
        }
        first.poll(Duration.ZERO);
        return false;
      });
      ConsumerThreads.close(first, rebalances, Duration.ofSeconds(5), "first");

      // Then the rebalance ran to its end before the close: the partition moved was revoked on its own,
      // and the assignment after it ran (a plain close drops both, and Kafka logs that as an ERROR)
      assertThat(revocations.get(0)).hasSize(1);
      assertThat(assignments).hasValue(assignedBeforeSecondJoined + 1);
    } finally {
      secondPolls.set(false);
      secondThread.join(WAIT.toMillis());
    }
  }
}
