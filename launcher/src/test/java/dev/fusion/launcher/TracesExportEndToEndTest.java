package dev.fusion.launcher;

import static dev.fusion.launcher.JobsTestClient.ALICE_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fusion.common.Json;
import dev.fusion.common.kafka.Topics;
import dev.fusion.common.tracing.Tracing;
import dev.fusion.launcher.OtlpReceiver.Received;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * Spans exported over OTLP/HTTP (protobuf) to a collector endpoint in the test's JVM, turned on by the
 * standard variables: one job's spans, from the HTTP request's {@code traceparent} through every stage and
 * model call, arrive as one connected tree of one trace, and each stage's span is the {@code traceparent}
 * its records carry. Off by default: nothing is made, nothing sent.
 */
class TracesExportEndToEndTest extends PipelineTestBase {
  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
  private static final String CALLER_SPAN = "b7ad6b7169203331";
  private static final List<String> STAGE_SPANS = List.of("fusion.ingress", "fusion.panel", "fusion.aggregate",
      "fusion.judge", "fusion.synthesizer");

  @Test
  void everyStagesSpanArrivesInOneTreeUnderTheRequestsTraceparentFlushedOnShutdown() throws Exception {
    String prompt = "Alice's confidential question about the acquisition price";
    List<Received> spans;
    Topics topics;
    String id;
    try (OtlpReceiver collector = new OtlpReceiver(harness.vertx)) {
      FusionStack stack = JobsTestClient.stack(harness, Map.of(
          "FUSION_API_KEYS", JobsTestClient.apiKeys("alice", ALICE_KEY),
          "OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint(),
          // Far beyond the test: what arrives was exported by the flush of a clean shutdown.
          "OTEL_BSP_SCHEDULE_DELAY", "600000")).start();
      try {
        assertThat(stack.context().tracing().exporting()).isTrue();
        JobsTestClient alice = new JobsTestClient(stack.httpPort(), ALICE_KEY);
        HttpResponse<String> accepted = alice.post("/v1/jobs",
            PipelineHarness.jobBody(prompt, "sim/alpha", "sim/beta"),
            "traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        id = Json.tree(accepted.body()).path("id").asText();
        assertThat(alice.awaitTerminal(id).path("status").asText()).isEqualTo("completed");
        topics = stack.context().topics();
      } finally {
        stack.close();
      }
      // Closing flushed the span processor: every span is in by the time close returned.
      spans = await().atMost(Duration.ofSeconds(10)).until(collector::spans,
          got -> names(got).containsAll(STAGE_SPANS));
    }

    assertThat(spans).allSatisfy(s -> {
      assertThat(s.traceId()).as(s.toString()).isEqualTo(TRACE_ID);
      assertThat(s.service()).as(s.toString()).isEqualTo("fusion"); // dev mode's service name
      assertThat(s.error()).as(s.toString()).isFalse();
    });
    Map<String, Received> byId = spans.stream().collect(Collectors.toMap(Received::spanId, Function.identity()));
    assertThat(byId).as("span IDs are unique").hasSameSizeAs(spans);

    // One stage span each (one attempt per record), child of the caller's span (ingress) or of another span.
    for (String stage : STAGE_SPANS) {
      assertThat(spans).filteredOn(s -> s.name().equals(stage)).as(stage).singleElement().satisfies(s -> {
        assertThat(s.attributes()).containsEntry(Tracing.JOB_ID, id).containsEntry(Tracing.TENANT, "alice");
      });
    }
    Received ingress = only(spans, "fusion.ingress");
    assertThat(ingress.kind()).isEqualTo(SpanKind.SPAN_KIND_SERVER);
    assertThat(ingress.parentSpanId()).isEqualTo(CALLER_SPAN);
    // Connected: every other span's parent is an exported span, and following parents reaches ingress's.
    for (Received s : spans) {
      Received at = s;
      int hops = 0;
      while (at != ingress) {
        assertThat(byId).as("parent of " + at.name()).containsKey(at.parentSpanId());
        at = byId.get(at.parentSpanId());
        assertThat(++hops).as("a cycle above " + s.name()).isLessThan(spans.size());
      }
    }
    assertThat(only(spans, "fusion.judge").parentSpanId()).isEqualTo(only(spans, "fusion.aggregate").spanId());
    assertThat(only(spans, "fusion.synthesizer").parentSpanId()).isEqualTo(only(spans, "fusion.judge").spanId());

    // Model calls: client spans under the stage that made them, with model, stage and outcome.
    Map<String, String> callStage = Map.of("chat sim/alpha", "fusion.panel", "chat sim/beta", "fusion.panel",
        "chat sim/judge", "fusion.judge", "chat sim/writer", "fusion.synthesizer");
    callStage.forEach((call, stage) -> assertThat(spans).filteredOn(s -> s.name().equals(call)).as(call)
        .isNotEmpty().allSatisfy(s -> {
          assertThat(s.kind()).isEqualTo(SpanKind.SPAN_KIND_CLIENT);
          assertThat(s.parentSpanId()).isEqualTo(only(spans, stage).spanId());
          assertThat(s.attributes()).containsEntry(Tracing.MODEL, call.substring(5))
              .containsEntry(Tracing.OUTCOME, "ok").containsKey(Tracing.STAGE);
        }));

    // Each stage's records carry its exported span as their traceparent.
    Map<String, String> writer = Map.of(topics.jobs().name(), "fusion.ingress",
        topics.panelAnswers().name(), "fusion.panel", topics.panels().name(), "fusion.aggregate",
        topics.analyses().name(), "fusion.judge", topics.results().name(), "fusion.synthesizer");
    for (Map.Entry<String, String> e : writer.entrySet()) {
      Set<String> carried = new TreeSet<>();
      for (ConsumerRecord<byte[], byte[]> r : harness.records(e.getKey(), id)) {
        carried.add(header(r).substring(36, 52));
      }
      assertThat(carried).as(e.getKey()).containsExactly(only(spans, e.getValue()).spanId());
    }

    // No prompt text anywhere in what was exported.
    for (Received s : spans) {
      assertThat(s.attributes().values()).as(s.name()).noneMatch(v -> v.contains("acquisition") || v.contains(prompt));
      assertThat(s.resource().values()).noneMatch(v -> v.contains("acquisition"));
      assertThat(s.name()).doesNotContain("acquisition");
    }
  }

  @Test
  void aKafkaRequestsIngressSpanIsAChildOfTheRecordsTraceparent() throws Exception {
    List<Received> spans;
    String jobId;
    String carried;
    try (OtlpReceiver collector = new OtlpReceiver(harness.vertx); var producer = KafkaSubmissionTest.producer()) {
      FusionStack stack = JobsTestClient.stack(harness, Map.of(
          "FUSION_API_KEYS", JobsTestClient.apiKeys("alice", ALICE_KEY),
          "OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint(), "OTEL_SERVICE_NAME", "fusion-eu")).start();
      try {
        String jobs = stack.context().topics().jobs().name();
        producer.send(KafkaSubmissionTest.record(stack.context().topics().requests().name(), "corr-x",
            PipelineHarness.jobBody("hi", "sim/alpha"), "fusion-tenant", "alice",
            "traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01")).get();
        ConsumerRecord<byte[], byte[]> job = await().atMost(Duration.ofSeconds(30))
            .until(() -> harness.records(jobs, null), found -> !found.isEmpty()).get(0);
        jobId = new String(job.key(), StandardCharsets.UTF_8);
        carried = header(job).substring(36, 52);
        // Export on its schedule (5 s by default), not only at shutdown.
        spans = await().atMost(Duration.ofSeconds(30)).until(collector::spans,
            got -> names(got).contains("fusion.ingress"));
      } finally {
        stack.close();
      }
    }
    Received ingress = only(spans, "fusion.ingress");
    assertThat(ingress.kind()).isEqualTo(SpanKind.SPAN_KIND_CONSUMER);
    assertThat(ingress.traceId()).isEqualTo(TRACE_ID);
    assertThat(ingress.parentSpanId()).isEqualTo(CALLER_SPAN);
    assertThat(ingress.spanId()).isEqualTo(carried);
    assertThat(ingress.service()).as("OTEL_SERVICE_NAME wins").isEqualTo("fusion-eu");
    assertThat(ingress.attributes()).containsEntry(Tracing.JOB_ID, jobId).containsEntry(Tracing.TENANT, "alice");
  }

  @Test
  void exportIsOffByDefaultAndWhenTheSdkIsDisabled() throws Exception {
    try (OtlpReceiver collector = new OtlpReceiver(harness.vertx)) {
      FusionStack plain = harness.newStack(Map.of());
      try {
        assertThat(plain.context().tracing()).isSameAs(Tracing.OFF);
        harness.submit(plain, PipelineHarness.jobBody("hi", "sim/alpha"));
      } finally {
        plain.close();
      }
      // An endpoint set, but OTEL_SDK_DISABLED wins: no exporter is made, so nothing can be sent.
      FusionStack disabled = harness.newStack(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint(),
          "OTEL_SDK_DISABLED", "true"));
      try {
        assertThat(disabled.context().tracing()).isSameAs(Tracing.OFF);
        String id = harness.submit(disabled, PipelineHarness.jobBody("hi", "sim/alpha"));
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.getJson(disabled, "/v1/jobs/" + id)
            .path("status").asText().equals("completed"));
      } finally {
        disabled.close();
      }
      assertThat(collector.requests()).isZero();
    }
  }

  private static Set<String> names(List<Received> spans) {
    return spans.stream().map(Received::name).collect(Collectors.toSet());
  }

  private static Received only(List<Received> spans, String name) {
    List<Received> named = spans.stream().filter(s -> s.name().equals(name)).toList();
    assertThat(named).as(name).hasSize(1);
    return named.get(0);
  }

  private static String header(ConsumerRecord<byte[], byte[]> r) {
    Header h = r.headers().lastHeader("traceparent");
    return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
  }
}
