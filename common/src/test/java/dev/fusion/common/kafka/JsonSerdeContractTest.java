package dev.fusion.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fusion.common.Json;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.JobCancellation;
import dev.fusion.common.contract.PanelAnswer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** Every topic's deserializer checks the record's contract, so a wrong-shape record is poison, not a later NPE. */
class JsonSerdeContractTest {
  private final Topics topics = new Topics("");

  private static byte[] bytes(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aJobWithoutItsPanelIsRejectedAtDeserializationNotInPanelSize() {
    // Bug A: {"x":1} on fusion.jobs used to deserialize and NPE later in FusionJob.panelSize
    var jobs = topics.jobs().valueSerde().deserializer();
    assertThatThrownBy(() -> jobs.deserialize("fusion.jobs", bytes("{\"x\":1}")))
        .isInstanceOf(SerializationException.class).hasMessageContaining("schema_version 0");
    String noPanel = "{\"schema_version\":1,\"job_id\":\"job_1\",\"tenant\":\"t\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"q\"}],\"judge_model\":\"j\",\"synthesizer_model\":\"s\"}";
    assertThatThrownBy(() -> jobs.deserialize("fusion.jobs", bytes(noPanel)))
        .isInstanceOf(SerializationException.class).hasMessageContaining("missing analysis_models");
    assertThatThrownBy(() -> jobs.deserialize("fusion.jobs", bytes(noPanel.replace("}", ",\"analysis_models\":[null]}"))))
        .hasMessageContaining("analysis_models has a null element");
  }

  @Test
  void aValidRecordPassesAndAnUnknownSchemaVersionDoesNot() {
    var job = new FusionJob(FusionJob.SCHEMA_VERSION, "job_1", "t", List.of(ChatMessage.user("q")), List.of("a", "b"),
        "j", "s", null, null, 1L);
    var jobs = topics.jobs().valueSerde().deserializer();
    assertThat(jobs.deserialize("fusion.jobs", Json.toBytes(job)).panelSize()).isEqualTo(2);
    String future = new String(Json.toBytes(job), StandardCharsets.UTF_8).replace("\"schema_version\":1", "\"schema_version\":2");
    assertThatThrownBy(() -> jobs.deserialize("fusion.jobs", bytes(future))).hasMessageContaining("schema_version 2");
  }

  @Test
  void nestedRecordsAreCheckedToo() {
    var answer = PanelAnswer.success("job_1", 0, "a", "a", "text", null, 1, 2);
    var answers = topics.panelAnswers().valueSerde().deserializer();
    assertThat(answers.deserialize("fusion.panel.answers", Json.toBytes(answer)).model()).isEqualTo("a");
    assertThatThrownBy(() -> answers.deserialize("fusion.panel.answers", bytes("{\"schema_version\":1,\"job_id\":\"j\"}")))
        .hasMessageContaining("missing model");
    var panels = topics.panels().valueSerde().deserializer();
    assertThatThrownBy(() -> panels.deserialize("fusion.panels",
        bytes("{\"schema_version\":1,\"job_id\":\"j\",\"job\":{\"x\":1},\"answers\":[],\"completion\":\"deadline\"}")))
        .hasMessageContaining("FusionJob has schema_version 0");
  }

  @Test
  void aTombstoneStaysNullButTheJsonLiteralNullIsNotOne() {
    var cancellations = topics.cancellations().valueSerde().deserializer();
    assertThat(cancellations.deserialize("fusion.cancellations", null)).isNull();
    assertThatThrownBy(() -> cancellations.deserialize("fusion.cancellations", bytes("null")))
        .isInstanceOf(SerializationException.class).hasMessageContaining("JSON null");
    assertThat(cancellations.deserialize("fusion.cancellations",
        Json.toBytes(new JobCancellation(JobCancellation.SCHEMA_VERSION, "job_1", "t", 1L))).jobId()).isEqualTo("job_1");
  }

  @Test
  void garbageIsASerializationExceptionThatTheFailurePolicyCallsPoison() {
    var events = topics.events().valueSerde().deserializer();
    Throwable thrown = org.junit.jupiter.api.Assertions.assertThrows(SerializationException.class,
        () -> events.deserialize("fusion.events", bytes("not json {")));
    assertThat(FailureKind.classify(thrown)).isEqualTo(FailureKind.POISON);
  }
}
