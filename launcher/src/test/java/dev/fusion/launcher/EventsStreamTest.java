package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fusion.common.contract.EventTypes;
import dev.fusion.ingress.Ingress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GET /v1/jobs/{id}/events: replay then live, Last-Event-ID resumption, and across ingress instances. */
class EventsStreamTest extends PipelineTestBase {

  @Test
  void reconnectingWithLastEventIdYieldsEveryEventExactlyOnce() throws Exception {
    try (FusionStack stack = JobsTestClient.stack(harness, Map.of()).start()) {
      JobsTestClient client = new JobsTestClient(stack.httpPort(), null);
      // Given a job whose panel takes a while, and a subscriber that drops after two events
      String id = client.submit(PipelineHarness.jobBody("Why is the sky blue?",
          "sim/alpha;latency_ms=1500", "sim/beta;latency_ms=1500", "sim/gamma;latency_ms=1500"));
      List<JobsTestClient.Sse> seen = new ArrayList<>();
      try (var first = client.events(id, null)) {
        assertThat(first.response.statusCode()).isEqualTo(200);
        assertThat(first.response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        seen.add(first.next());
        seen.add(first.next());
      }
      // When it reconnects with the last ID it saw, while the job is still running
      assertThat(client.getJson("/v1/jobs/" + id).path("status").asText()).isIn("queued", "running");
      try (var second = client.events(id, seen.get(1).id())) {
        seen.addAll(second.untilEnd());
      }
      // Then it saw every event once, in order, ending with the terminal one
      List<Long> ids = seen.stream().map(JobsTestClient.Sse::id).toList();
      assertThat(ids).doesNotHaveDuplicates().isSorted();
      assertThat(seen.get(seen.size() - 1).event()).isEqualTo(EventTypes.COMPLETED);
      assertThat(seen).extracting(JobsTestClient.Sse::event).contains(EventTypes.PANEL_ADDED,
          EventTypes.PANEL_COMPLETED, EventTypes.ANALYSIS_IN_PROGRESS, EventTypes.ANALYSIS_COMPLETED,
          EventTypes.OUTPUT_TEXT_DELTA);
      assertThat(seen).allSatisfy(e -> assertThat(e.data().path("job_id").asText()).isEqualTo(id));
      // and the analysis event carries the judge's analysis, naming the panel's models
      var analysis = seen.stream().filter(e -> e.event().equals(EventTypes.ANALYSIS_COMPLETED)).findFirst()
          .orElseThrow().data().path("data").path("analysis");
      PipelineEndToEndTest.assertSchemaValidAnalysisNaming(analysis,
          java.util.Set.of("sim/alpha;latency_ms=1500", "sim/beta;latency_ms=1500", "sim/gamma;latency_ms=1500"));
      // and exactly what a fresh subscriber replays from the start: no gaps
      try (var replay = client.events(id, null)) {
        assertThat(replay.untilEnd()).extracting(JobsTestClient.Sse::id).containsExactlyElementsOf(ids);
      }
      // and resuming after the terminal event ends at once, with nothing repeated
      try (var after = client.events(id, ids.get(ids.size() - 1))) {
        assertThat(after.untilEnd()).isEmpty();
      }
    }
  }

  @Test
  void aSubscriberOnOneInstanceSeesEveryEventOfAJobSubmittedThroughAnother() throws Exception {
    try (FusionStack stack = JobsTestClient.stack(harness, Map.of()).start()) {
      Ingress second = stack.addIngress();
      JobsTestClient a = new JobsTestClient(stack.httpPort(), null);
      JobsTestClient b = new JobsTestClient(second.port(), null);
      // Given a job submitted through instance A
      String id = a.submit(PipelineHarness.jobBody("What is a lighthouse for?",
          "sim/alpha;latency_ms=800", "sim/beta;latency_ms=800"));
      // When a client subscribes through instance B as soon as B knows the job
      await().atMost(Duration.ofSeconds(30)).until(() -> b.get("/v1/jobs/" + id).statusCode() == 200);
      List<JobsTestClient.Sse> viaB;
      try (var stream = b.events(id, null)) {
        viaB = stream.untilEnd();
      }
      // Then B delivered the same events A holds, through to completion
      assertThat(viaB.get(viaB.size() - 1).event()).isEqualTo(EventTypes.COMPLETED);
      try (var stream = a.events(id, null)) {
        assertThat(stream.untilEnd()).extracting(JobsTestClient.Sse::id)
            .containsExactlyElementsOf(viaB.stream().map(JobsTestClient.Sse::id).toList());
      }
      assertThat(viaB).extracting(JobsTestClient.Sse::event).contains(EventTypes.PANEL_ADDED,
          EventTypes.PANEL_COMPLETED, EventTypes.ANALYSIS_COMPLETED);
    }
  }

  @Test
  void aStreamedAnswerArrivesAsAFewCoalescedDeltasThatSpellItExactly() throws Exception {
    try (FusionStack stack = JobsTestClient.stack(harness, Map.of()).start()) {
      JobsTestClient client = new JobsTestClient(stack.httpPort(), null);
      // Given a synthesizer that streams its answer token by token at 200 tokens/s
      var body = (com.fasterxml.jackson.databind.node.ObjectNode) dev.fusion.common.Json.tree(
          PipelineHarness.jobBody("How do tides work?", "sim/alpha", "sim/beta"));
      body.put("synthesizer", "sim/writer;tokens_per_s=200");
      // When the job is done
      Finished job = finish(client, dev.fusion.common.Json.toString(body));
      String answer = job.answer();
      List<JobsTestClient.Sse> deltas = job.deltas();
      // Then its delta events, in index order, spell the answer exactly
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < deltas.size(); i++) {
        var data = deltas.get(i).data().path("data");
        assertThat(data.path("index").asInt()).isEqualTo(i);
        text.append(data.path("delta").asText());
      }
      assertThat(text.toString()).isEqualTo(answer).isNotBlank();
      // and they are coalesced: more than one (the first goes out at once, the stream lasts longer than
      // a window), but far fewer than the answer's tokens (one event per window of several tokens)
      int words = answer.split("\\s+").length;
      assertThat(deltas.size()).isGreaterThan(1).isLessThan(words / 3);
    }
  }

  @Test
  void anAnswerThatArrivesAllAtOnceIsOneDeltaEvent() throws Exception {
    try (FusionStack stack = JobsTestClient.stack(harness, Map.of()).start()) {
      JobsTestClient client = new JobsTestClient(stack.httpPort(), null);
      // Given a synthesizer that answers at once (the simulator sends the whole stream in one write)
      // When the job is done
      Finished job = finish(client, PipelineHarness.jobBody("Why is the sky blue?", "sim/alpha", "sim/beta"));
      // Then the pieces that came in one read went out together: one delta event, the whole answer
      assertThat(job.deltas()).hasSize(1);
      assertThat(job.deltas().get(0).data().path("data").path("delta").asText()).isEqualTo(job.answer())
          .isNotBlank();
    }
  }

  /** A finished job's answer and its answer-delta events, in the order they were stored. */
  private record Finished(String answer, List<JobsTestClient.Sse> deltas) {}

  /** Submits a job, follows its events to the end, and reads its answer. */
  private static Finished finish(JobsTestClient client, String body) throws Exception {
    String id = client.submit(body);
    List<JobsTestClient.Sse> events;
    try (var stream = client.events(id, null)) {
      events = stream.untilEnd();
    }
    String answer = client.getJson("/v1/jobs/" + id).path("result").path("answer").asText();
    return new Finished(answer, events.stream().filter(e -> e.event().equals(EventTypes.OUTPUT_TEXT_DELTA)).toList());
  }
}
