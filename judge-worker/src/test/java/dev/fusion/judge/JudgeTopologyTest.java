package dev.fusion.judge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.PanelSet;
import dev.fusion.common.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The panel aggregation (JudgeTopology, PanelAggregator) in a TopologyTestDriver: when a panel is
 * handed to the judge, what the panel set carries, and what the store keeps, with the wall clock under
 * the test's control. Deadline 10 s, quorum 1, done markers kept 60 s.
 */
class JudgeTopologyTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final Duration KEEP_DONE = Duration.ofSeconds(60);
  private final Topics topics = new Topics("t.");
  private final long t0 = System.currentTimeMillis();

  @TempDir
  Path stateDir;
  private TopologyTestDriver driver;
  private TestInputTopic<String, FusionJob> jobs;
  private TestInputTopic<String, PanelAnswer> answers;
  private TestOutputTopic<String, PanelSet> panels;

  @BeforeEach
  void driver() {
    open(DEADLINE);
  }

  private void open(Duration deadline) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "judge-topology-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    driver = new TopologyTestDriver(JudgeTopology.build(topics, new PanelCompletion(deadline, 1),
        Duration.ofMillis(250), KEEP_DONE), props, Instant.ofEpochMilli(t0));
    jobs = driver.createInputTopic(topics.jobs().name(), new StringSerializer(), topics.jobs().valueSerde().serializer());
    answers = driver.createInputTopic(topics.panelAnswers().name(), new StringSerializer(),
        topics.panelAnswers().valueSerde().serializer());
    panels = driver.createOutputTopic(topics.panels().name(), new StringDeserializer(),
        topics.panels().valueSerde().deserializer());
  }

  @AfterEach
  void close() {
    driver.close();
  }

  private FusionJob job(String id, String... models) {
    return new FusionJob(FusionJob.SCHEMA_VERSION, id, "t", List.of(ChatMessage.user("q")), List.of(models),
        "sim/judge", "sim/writer", null, null, t0);
  }

  private static PanelAnswer ok(String jobId, int index, String content) {
    return PanelAnswer.success(jobId, index, "m" + index, "m" + index, content, null, 1, 2);
  }

  private static PanelAnswer failed(String jobId, int index) {
    return PanelAnswer.failure(jobId, index, "m" + index, FailureReasons.UPSTREAM_ERROR, 500, "down", 1, 2);
  }

  private KeyValueStore<String, PanelState> store() {
    return driver.getKeyValueStore(PanelAggregator.STATE_STORE);
  }

  @Test
  void aPanelIsHandedOnOnceEveryModelReportedWithItsAnswersInPanelOrder() {
    jobs.pipeInput("job_a", job("job_a", "m0", "m1"));
    answers.pipeInput("job_a", failed("job_a", 1));
    assertThat(panels.isEmpty()).isTrue();
    assertThat(store().get("job_a").answers()).hasSize(1);

    answers.pipeInput("job_a", ok("job_a", 0, "zero"));

    List<PanelSet> sets = panels.readValuesToList();
    assertThat(sets).hasSize(1);
    PanelSet set = sets.get(0);
    assertThat(set.completion()).isEqualTo(PanelSet.ALL_ANSWERED);
    assertThat(set.job().jobId()).isEqualTo("job_a");
    assertThat(set.answers()).extracting(PanelAnswer::panelIndex).containsExactly(0, 1);
    assertThat(set.answers()).extracting(PanelAnswer::ok).containsExactly(true, false);
    assertThat(store().get("job_a").isDone()).as("only a done marker is kept").isTrue();
  }

  @Test
  void answersThatArriveBeforeTheirJobWaitForIt() {
    answers.pipeInput("job_b", ok("job_b", 0, "early"));
    answers.pipeInput("job_b", ok("job_b", 1, "early too"));
    assertThat(panels.isEmpty()).isTrue();

    jobs.pipeInput("job_b", job("job_b", "m0", "m1"));

    assertThat(panels.readValuesToList()).singleElement()
        .satisfies(s -> assertThat(s.answers()).extracting(PanelAnswer::content).containsExactly("early", "early too"));
  }

  @Test
  void aReplayedAnswerOverwritesItselfAndALateOneAfterTheHandOverChangesNothing() {
    jobs.pipeInput("job_c", job("job_c", "m0", "m1"));
    answers.pipeInput("job_c", ok("job_c", 0, "first try"));
    answers.pipeInput("job_c", ok("job_c", 0, "replayed"));
    assertThat(panels.isEmpty()).as("two records of one model are one answer").isTrue();
    answers.pipeInput("job_c", ok("job_c", 1, "one"));
    assertThat(panels.readValuesToList()).singleElement()
        .satisfies(s -> assertThat(s.answers().get(0).content()).isEqualTo("replayed"));

    answers.pipeInput("job_c", ok("job_c", 1, "late replay"));
    jobs.pipeInput("job_c", job("job_c", "m0", "m1"));

    assertThat(panels.isEmpty()).isTrue();
  }

  @Test
  void atTheDeadlineAQuorumIsEnoughAndTheMissingModelsAreTimeouts() {
    jobs.pipeInput("job_d", job("job_d", "m0", "m1", "m2"));
    answers.pipeInput("job_d", ok("job_d", 0, "only me"));

    driver.advanceWallClockTime(DEADLINE.minusSeconds(1));
    assertThat(panels.isEmpty()).isTrue();
    driver.advanceWallClockTime(Duration.ofSeconds(1));

    PanelSet set = panels.readValue();
    assertThat(set.completion()).isEqualTo(PanelSet.DEADLINE);
    assertThat(set.answers()).extracting(PanelAnswer::ok).containsExactly(true, false, false);
    assertThat(set.answers().get(2).failureReason()).isEqualTo(FailureReasons.TIMEOUT);
    assertThat(panels.isEmpty()).isTrue();
  }

  @Test
  void aDeadlineShorterThanTheIdleTickIsMetByTheFastTick() {
    // The aggregation ticks every 10 s while no deadline is near; a 3 s deadline must not wait for that.
    driver.close();
    open(Duration.ofSeconds(3));
    jobs.pipeInput("job_s", job("job_s", "m0", "m1"));
    answers.pipeInput("job_s", ok("job_s", 0, "only me"));

    driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(panels.isEmpty()).isTrue();
    driver.advanceWallClockTime(Duration.ofSeconds(1));

    PanelSet set = panels.readValue();
    assertThat(set.completion()).isEqualTo(PanelSet.DEADLINE);
    assertThat(set.answers()).extracting(PanelAnswer::ok).containsExactly(true, false);
  }

  @Test
  void belowTheQuorumThePanelWaitsUntilTwiceTheDeadlineThenGoesOnWithWhatItHas() {
    jobs.pipeInput("job_e", job("job_e", "m0", "m1"));
    answers.pipeInput("job_e", failed("job_e", 0));

    driver.advanceWallClockTime(DEADLINE);
    assertThat(panels.isEmpty()).as("no successful answer yet at the deadline").isTrue();
    driver.advanceWallClockTime(DEADLINE);

    PanelSet set = panels.readValue();
    assertThat(set.completion()).isEqualTo(PanelSet.DEADLINE);
    assertThat(set.answers()).noneMatch(PanelAnswer::ok);
  }

  @Test
  void doneMarkersArePurgedOnceKeptLongEnough() {
    jobs.pipeInput("job_f", job("job_f", "m0"));
    answers.pipeInput("job_f", ok("job_f", 0, "done"));
    assertThat(panels.readValuesToList()).hasSize(1);
    assertThat(store().get("job_f").isDone()).isTrue();

    driver.advanceWallClockTime(KEEP_DONE.plusSeconds(1));

    assertThat(store().get("job_f")).isNull();
  }
}
