package dev.fusion.launcher;

import static dev.fusion.launcher.JobsTestClient.ALICE_KEY;
import static dev.fusion.launcher.JobsTestClient.twoTenantStack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.common.kafka.Topics;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * One job can be followed across processes: the trace ID of the request's {@code traceparent} is in the
 * headers of every record written for the job and in every log line about it, at every stage; those lines
 * carry the job ID and tenant, and never the API key or the prompt.
 */
class TracesAndLogsEndToEndTest extends PipelineTestBase {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER_SPAN = "00f067aa0ba902b7";

  @Test
  void theRequestsTraceIdIsInEveryRecordsHeadersAndEveryStagesLogLinesAboutTheJob() throws Exception {
    String prompt = "Alice's private question about the merger terms";
    try (LogCapture logs = new LogCapture(); FusionStack stack = twoTenantStack(harness)) {
      JobsTestClient alice = new JobsTestClient(stack.httpPort(), ALICE_KEY);
      HttpResponse<String> accepted = alice.post("/v1/jobs", PipelineHarness.jobBody(prompt, "sim/alpha", "sim/beta"),
          "traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01");
      assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
      String id = Json.tree(accepted.body()).path("id").asText();
      assertThat(alice.awaitTerminal(id).path("status").asText()).isEqualTo("completed");

      // Records: each stage's output carries the trace, with a span of that stage's own.
      Topics topics = stack.context().topics();
      Map<String, Set<String>> spansByTopic = new LinkedHashMap<>();
      for (String topic : List.of(topics.jobs().name(), topics.panelAnswers().name(), topics.panels().name(),
          topics.analyses().name(), topics.results().name(), topics.events().name())) {
        List<ConsumerRecord<byte[], byte[]>> records = await().atMost(Duration.ofSeconds(30))
            .until(() -> harness.records(topic, id), found -> !found.isEmpty());
        Set<String> spans = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          String traceparent = header(r, "traceparent");
          assertThat(traceparent).as(topic + " record's traceparent")
              .matches("00-" + TRACE_ID + "-[0-9a-f]{16}-01");
          assertThat(header(r, "fusion-tenant")).as(topic).isEqualTo("alice");
          spans.add(traceparent.substring(36, 52));
        }
        spansByTopic.put(topic, spans);
      }
      // One span per stage: ingress (jobs), panel worker (answers), aggregation (panels), judge (analyses),
      // synthesizer (results); none is the caller's.
      List<String> stageSpans = spansByTopic.entrySet().stream().filter(e -> !e.getKey().equals(topics.events().name()))
          .map(e -> {
            assertThat(e.getValue()).as(e.getKey()).hasSize(1);
            return e.getValue().iterator().next();
          }).toList();
      assertThat(new TreeSet<>(stageSpans)).hasSize(5).doesNotContain(CALLER_SPAN);
      assertThat(stageSpans).containsAll(spansByTopic.get(topics.events().name()));

      // Logs: a line per stage about the job, each with the job's fields and the request's trace ID.
      List<JsonNode> aboutTheJob = await().atMost(Duration.ofSeconds(30)).until(
          () -> logs.json().stream().filter(l -> id.equals(l.path("job_id").asText())).toList(),
          lines -> loggers(lines).containsAll(STAGE_LOGGERS));
      for (JsonNode line : aboutTheJob) {
        assertThat(line.path("trace_id").asText()).as(line.toString()).isEqualTo(TRACE_ID);
        assertThat(line.path("tenant").asText()).as(line.toString()).isEqualTo("alice");
      }
      // Never the key or the prompt, in any line, even at DEBUG.
      for (String line : logs.lines()) {
        assertThat(line).doesNotContain(ALICE_KEY).doesNotContain(prompt).doesNotContain("merger terms");
      }
    }
  }

  @Test
  void aRequestWithoutAValidTraceparentStartsATraceOfItsOwnThatTheJobKeeps() throws Exception {
    try (FusionStack stack = twoTenantStack(harness)) {
      JobsTestClient alice = new JobsTestClient(stack.httpPort(), ALICE_KEY);
      HttpResponse<String> accepted = alice.post("/v1/jobs", PipelineHarness.jobBody("hi", "sim/alpha"),
          "traceparent", "00-" + "0".repeat(32) + "-" + CALLER_SPAN + "-01");
      assertThat(accepted.statusCode()).isEqualTo(202);
      String id = Json.tree(accepted.body()).path("id").asText();
      assertThat(alice.awaitTerminal(id).path("status").asText()).isEqualTo("completed");
      Topics topics = stack.context().topics();
      String jobTrace = traceIdOf(harness.records(topics.jobs().name(), id).get(0));
      assertThat(jobTrace).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
      List<ConsumerRecord<byte[], byte[]>> results = await().atMost(Duration.ofSeconds(30))
          .until(() -> harness.records(topics.results().name(), id), found -> !found.isEmpty());
      assertThat(traceIdOf(results.get(0))).isEqualTo(jobTrace);
    }
  }

  @Test
  void aKafkaRequestsTraceparentIsContinuedToItsResultAndItsReply() throws Exception {
    try (FusionStack stack = twoTenantStack(harness); var producer = KafkaSubmissionTest.producer();
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            (Object) harness.kafka.bootstrapServers()))) {
      String replies = stack.config().topicPrefix() + "traced-replies";
      admin.createTopics(List.of(new NewTopic(replies, 1, (short) 1))).all().get();
      producer.send(KafkaSubmissionTest.record(stack.context().topics().requests().name(), "corr-t",
          PipelineHarness.jobBody("hi", "sim/alpha"), "fusion-tenant", "alice", "fusion-correlation-id", "corr-t",
          "fusion-reply-to", replies, "traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01")).get();
      ConsumerRecord<byte[], byte[]> reply = KafkaSubmissionTest.readKeyed(replies, 1).get("corr-t");
      assertThat(header(reply, "traceparent")).matches("00-" + TRACE_ID + "-[0-9a-f]{16}-01");
      String jobId = header(reply, "fusion-job-id");
      for (String topic : List.of(stack.context().topics().jobs().name(), stack.context().topics().results().name())) {
        List<ConsumerRecord<byte[], byte[]>> records = await().atMost(Duration.ofSeconds(30))
            .until(() -> harness.records(topic, jobId), found -> !found.isEmpty());
        assertThat(traceIdOf(records.get(0))).as(topic).isEqualTo(TRACE_ID);
      }
    }
  }

  @Test
  void aBatchsJobsCarryTheBatchIdInTheirHeadersAndLogLines() throws Exception {
    try (LogCapture logs = new LogCapture(); FusionStack stack = harness.newStack(Map.of())) {
      HttpResponse<String> uploaded = harness.http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + stack.httpPort() + "/v1/batches?analysis_models=sim/alpha"))
          .header("content-type", "application/jsonl").POST(HttpRequest.BodyPublishers.ofString(
              "{\"custom_id\":\"a\",\"prompt\":\"one\"}\n{\"custom_id\":\"b\",\"prompt\":\"two\"}\n")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
      String batchId = Json.tree(uploaded.body()).path("id").asText();
      await().atMost(Duration.ofSeconds(60)).until(() -> harness.getJson(stack, "/v1/batches/" + batchId)
          .path("status").asText().equals("completed"));
      Topics topics = stack.context().topics();
      List<ConsumerRecord<byte[], byte[]>> jobs = harness.records(topics.jobs().name(), null);
      assertThat(jobs).hasSize(2).allSatisfy(r -> assertThat(header(r, "fusion-batch-id")).isEqualTo(batchId));
      for (ConsumerRecord<byte[], byte[]> job : jobs) {
        String jobId = new String(job.key(), StandardCharsets.UTF_8);
        assertThat(harness.records(topics.results().name(), jobId))
            .allSatisfy(r -> assertThat(header(r, "fusion-batch-id")).isEqualTo(batchId)).isNotEmpty();
        assertThat(logs.json()).filteredOn(l -> jobId.equals(l.path("job_id").asText()))
            .isNotEmpty().allSatisfy(l -> assertThat(l.path("batch_id").asText()).isEqualTo(batchId));
      }
    }
  }

  private static final Set<String> STAGE_LOGGERS = Set.of("dev.fusion.ingress.jobs.JobSubmitter",
      "dev.fusion.panel.PanelWorker", "dev.fusion.judge.PanelAggregator", "dev.fusion.judge.JudgeCaller",
      "dev.fusion.synthesizer.Synthesizer");

  private static Set<String> loggers(List<JsonNode> lines) {
    Set<String> names = new TreeSet<>();
    lines.forEach(l -> names.add(l.path("logger").asText()));
    return names;
  }

  private static String traceIdOf(ConsumerRecord<byte[], byte[]> r) {
    return header(r, "traceparent").substring(3, 35);
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
