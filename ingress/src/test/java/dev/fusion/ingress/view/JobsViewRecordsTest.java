package dev.fusion.ingress.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fusion.common.Json;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.Events;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How the jobs view reads event and result records and builds its keys, without a network. */
class JobsViewRecordsTest {

  @Test
  void anEventsHeaderIsReadFromItsBytesWhateverItsDataHolds() {
    // Given an event as a stage publishes it, carrying a whole answer in its data
    var event = Events.of("job_1", EventTypes.PANEL_COMPLETED,
        d -> d.put("model", "sim/a").put("content", "a long answer {\"with\": [\"json\"]}").putObject("x").put("y", 1));
    // When the view reads its header
    JobStateMachine.Event header = JobStateMachine.Event.of(Json.toBytes(event));
    // Then type and time are those of the event
    assertThat(header.type()).isEqualTo(EventTypes.PANEL_COMPLETED);
    assertThat(header.timestampMs()).isEqualTo(event.timestampMs());
  }

  @Test
  void fieldsInAnotherOrderAreReadToo() {
    byte[] json = ("{\"data\":{\"type\":\"inner\"},\"timestamp_ms\":42,\"type\":\"response.queued\","
        + "\"job_id\":\"job_1\",\"schema_version\":1}").getBytes(StandardCharsets.UTF_8);
    JobStateMachine.Event header = JobStateMachine.Event.of(json);
    assertThat(header.type()).isEqualTo("response.queued");
    assertThat(header.timestampMs()).isEqualTo(42);
  }

  @Test
  void anUnreadableEventIsRejectedWithAReason() {
    assertThatThrownBy(() -> JobStateMachine.Event.of("[1]".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("object");
    assertThatThrownBy(() -> JobStateMachine.Event.of(
        "{\"schema_version\":1,\"job_id\":\"j\",\"timestamp_ms\":1}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("type");
    // The event contract's own checks: a known schema version and the job it belongs to
    assertThatThrownBy(() -> JobStateMachine.Event.of(
        "{\"job_id\":\"j\",\"type\":\"response.queued\"}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema_version");
    assertThatThrownBy(() -> JobStateMachine.Event.of(
        "{\"schema_version\":1,\"type\":\"response.queued\"}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("job_id");
    assertThatThrownBy(() -> JobStateMachine.Event.of("{\"type\":".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unreadable");
  }

  @Test
  void aResultsHeaderIsReadFromItsBytesWithoutBuildingTheResult() {
    // Given a result whose answer and timings come before the fields the view keeps
    var result = dev.fusion.common.contract.FusionResult.completed("job_1", "tenant-a",
        "an answer with \"quotes\" and {braces}", "fusion", 1_000L, 2_500L);
    // When the view reads its header
    JobStateMachine.Result header = JobStateMachine.Result.of(Json.toBytes(result));
    // Then it holds what the job's state needs
    assertThat(header).isEqualTo(new JobStateMachine.Result("tenant-a", JobStatus.COMPLETED, 1_000L, 2_500L));
    assertThatThrownBy(() -> JobStateMachine.Result.of(
        "{\"schema_version\":1,\"job_id\":\"j\",\"tenant\":\"t\"}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("status");
    assertThatThrownBy(() -> JobStateMachine.Result.of(
        "{\"schema_version\":2,\"job_id\":\"j\",\"status\":\"completed\"}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema_version");
    // A result only ever finishes a job: a status that is not a terminal one is refused, not guessed at
    assertThatThrownBy(() -> JobStateMachine.Result.of(
        "{\"schema_version\":1,\"job_id\":\"j\",\"status\":\"running\"}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("running");
  }

  @Test
  void aNullFieldIsAbsentAndDoesNotHideALaterOne() {
    byte[] json = "{\"tenant\":null,\"status\":\"failed\",\"tenant\":\"t\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(Json.topLevelFields(json, "tenant", "status")).containsExactly("t", "failed");
    assertThat(Json.topLevelFields("{\"status\":null}".getBytes(StandardCharsets.UTF_8), "status")).containsExactly((String) null);
  }

  @Test
  void zeroPaddedNumbersSortAsNumbers() {
    for (long v : new long[] {0, 7, 1234567, Long.MAX_VALUE}) {
      assertThat(JobsStore.zeroPadded(v, 19)).isEqualTo(String.format("%019d", v));
      assertThat(JobsStore.zeroPadded(v, 20)).isEqualTo(String.format("%020d", v));
    }
    assertThat(JobsStore.zeroPadded(999, 20)).isLessThan(JobsStore.zeroPadded(1000, 20));
  }
}
