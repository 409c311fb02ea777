package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.RecordBudget;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.kafka.KafkaConfigs;
import dev.fusion.common.kafka.TopicSpec;
import dev.fusion.ingress.request.JobRequests;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, bug C: sizes are bounded at the door on every way in, the largest job the budget accepts
 * goes through the whole pipeline with answers at their caps, and answers over their caps are cut with a
 * marker instead of becoming records no stage can write. Real broker, real simulator, real HTTP.
 */
class RecordSizesEndToEndTest extends SharedPipelineTestBase {
  /** The issue's prompt: 340,000 x '界', 1,020,000 bytes of UTF-8, under the old character limit. */
  private static final String HUGE_PROMPT = "界".repeat(340_000);
  /** The issue's judge: a simulated model ID with 900 KB of options. */
  private static final String HUGE_MODEL = "sim/judge;" + "x".repeat(900_000);
  /** Over the default caps (64 KiB) of a panel answer and a final answer. */
  private static final String LONG = ";answer_bytes=70000";

  @Test
  void theIssuesRequestsAreRefusedInTheOpenAiErrorShapeOnEveryWayIn() throws Exception {
    RecordBudget budget = stack.config().recordBudget();
    // A prompt just over the job limit, well under the body limit: refused by the budget, not the body size.
    String overBudget = "界".repeat((int) (budget.maxJobBytes() / 3) + 10);

    assertError(post("/v1/jobs", jobBody(HUGE_PROMPT)), 413, "request_too_large");
    assertError(post("/v1/jobs", jobBody(overBudget)), 413, "request_too_large");
    assertError(post("/v1/jobs", jobBody("hi").put("model", HUGE_MODEL)), 400, "invalid_value");
    assertError(post("/v1/jobs", jobBody("hi").put("synthesizer", HUGE_MODEL)), 400, "invalid_value");

    assertError(post("/v1/chat/completions", jobBody(HUGE_PROMPT).put("model", "fusion")), 413,
        "request_too_large");
    assertError(post("/v1/chat/completions", jobBody(overBudget).put("model", "fusion")), 413, "request_too_large");
    ObjectNode plugin = jobBody("hi").put("model", "fusion");
    plugin.putArray("plugins").addObject().put("id", "fusion").put("model", HUGE_MODEL);
    assertError(post("/v1/chat/completions", plugin), 400, "invalid_value");
    assertError(post("/v1/chat/completions", jobBody("hi").put("model", HUGE_MODEL)), 400, "invalid_value");

    String batch = String.join("\n",
        Json.toString(Json.object().put("custom_id", "huge").put("prompt", HUGE_PROMPT)),
        Json.toString(Json.object().put("custom_id", "over").put("prompt", overBudget)),
        Json.toString(Json.object().put("custom_id", "judge").put("url", "/v1/jobs")
            .set("body", jobBody("hi").put("model", HUGE_MODEL))),
        Json.toString(Json.object().put("custom_id", "fine").put("prompt", "What is a record budget?")));
    HttpResponse<String> uploaded = harness.http.send(HttpRequest.newBuilder(uri("/v1/batches"))
        .header("content-type", "application/jsonl").POST(HttpRequest.BodyPublishers.ofString(batch)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
    List<String> errors = new ArrayList<>();
    Json.tree(uploaded.body()).path("errors").path("data")
        .forEach(e -> errors.add(e.path("line").asLong() + ":" + e.path("code").asText()));
    assertThat(errors).containsExactly("1:request_too_large", "2:request_too_large", "3:invalid_value");
    String id = Json.tree(uploaded.body()).path("id").asText();
    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
        .until(() -> harness.getJson(stack, "/v1/batches/" + id).path("status").asText().equals("completed"));
    assertThat(BatchEndToEndTest.parseLines(harness.get(stack, "/v1/batches/" + id + "/results").body()))
        .extracting(r -> r.path("custom_id").asText()).containsExactly("fine");
  }

  @Test
  void theLargestAcceptedJobWithEveryAnswerOverItsCapCompletesWithEveryRecordWritten() throws Exception {
    RecordBudget budget = stack.config().recordBudget();
    ObjectNode body = jobBody("");
    var panel = body.putArray("analysis_models");
    for (int i = 1; i <= RecordBudget.MAX_PANEL; i++) {
      panel.add("sim/size-" + i + LONG);
    }
    body.put("synthesizer", "sim/writer" + LONG);
    // Fill the prompt to exactly the job limit: short words (the simulator quotes the first few), in ASCII.
    FusionJob empty = new JobRequests(stack.config()).toJob(body, "default");
    int room = (int) (budget.maxJobBytes() - RecordBudget.jobBytes(empty));
    String prompt = "Size words ".repeat(room / 11) + "a".repeat(room % 11);
    ((ObjectNode) body.path("messages").get(0)).put("content", prompt);
    assertThat(RecordBudget.jobBytes(new JobRequests(stack.config()).toJob(body, "default")))
        .isEqualTo(budget.maxJobBytes());

    String id = harness.submit(stack, Json.toString(body));
    JsonNode job = await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
        .until(() -> harness.getJson(stack, "/v1/jobs/" + id),
            j -> j.path("status").asText().matches("completed|failed"));

    JsonNode result = job.path("result");
    assertThat(job.path("status").asText()).as(result.toString()).isEqualTo("completed");
    String marker = RecordBudget.marker("answer", budget.maxAnswerBytes());
    assertThat(result.path("responses")).hasSize(RecordBudget.MAX_PANEL).allSatisfy(r -> {
      assertThat(r.path("truncated").asBoolean()).isTrue();
      assertThat(r.path("content").asText()).endsWith(marker);
    });
    assertThat(result.path("answer").asText()).endsWith(RecordBudget.marker("answer", budget.maxFinalAnswerBytes()));
    assertThat(result.path("failure_reason").asText()).isEqualTo(FailureReasons.ANSWER_TRUNCATED);

    // Every stage wrote its records, each within the record limit; the result, carrying the job and every
    // answer at its cap, is close to it, and nothing was dead-lettered.
    var topics = stack.context().topics();
    assertThat(recordsOf(topics.jobs(), id)).hasSize(1);
    assertThat(recordsOf(topics.panelAnswers(), id)).hasSize(RecordBudget.MAX_PANEL);
    assertThat(recordsOf(topics.panels(), id)).hasSize(1);
    assertThat(recordsOf(topics.analyses(), id)).hasSize(1);
    List<ConsumerRecord<byte[], byte[]>> results = recordsOf(topics.results(), id);
    assertThat(results).hasSize(1);
    for (TopicSpec<?, ?> t : List.of(topics.jobs(), topics.panelAnswers(), topics.panels(), topics.analyses(),
        topics.results(), topics.events())) {
      assertThat(recordsOf(t, id)).allSatisfy(r -> assertThat((long) r.value().length).as(t.name())
          .isLessThanOrEqualTo(budget.maxRecordBytes()));
    }
    assertThat((long) results.get(0).value().length).isGreaterThan(budget.maxRecordBytes() * 8 / 10);
    assertThat(recordsOf(topics.rejections(), id)).isEmpty();

    // The answer's delta events add up to the published answer, marker included.
    StringBuilder deltas = new StringBuilder();
    for (ConsumerRecord<byte[], byte[]> r : recordsOf(topics.events(), id)) {
      JsonNode event = Json.tree(new String(r.value(), StandardCharsets.UTF_8));
      if (event.path("type").asText().equals(EventTypes.OUTPUT_TEXT_DELTA)) {
        deltas.append(event.path("data").path("delta").asText());
      }
    }
    assertThat(deltas.toString()).isEqualTo(result.path("answer").asText());
  }

  @Test
  void aStreamedAnswerOverItsCapReachesTheClientCutWithTheMarker() throws Exception {
    RecordBudget budget = stack.config().recordBudget();
    ObjectNode body = jobBody("Explain record budgets.").put("model", "sim/writer" + LONG)
        .put("tool_choice", "required").put("stream", true);
    body.putArray("tools").addObject().put("type", "fusion").putArray("analysis_models").add("sim/alpha")
        .add("sim/beta" + LONG);
    HttpResponse<String> response = post("/v1/chat/completions", body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    StringBuilder text = new StringBuilder();
    for (String line : response.body().split("\n")) {
      if (line.startsWith("data: {")) {
        text.append(Json.tree(line.substring(6)).path("choices").path(0).path("delta").path("content").asText(""));
      }
    }
    String answer = text.toString();
    assertThat(answer).endsWith(RecordBudget.marker("answer", budget.maxFinalAnswerBytes()));
    assertThat(answer.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo((int) budget.maxFinalAnswerBytes());
    assertThat(answer.length()).isGreaterThan((int) budget.maxFinalAnswerBytes() * 9 / 10);
  }

  private static ObjectNode jobBody(String prompt) {
    ObjectNode body = Json.object();
    body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    return body;
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + stack.httpPort() + path);
  }

  private static HttpResponse<String> post(String path, JsonNode body) throws Exception {
    return harness.http.send(HttpRequest.newBuilder(uri(path)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(Json.toString(body))).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertError(HttpResponse<String> r, int status, String code) {
    assertThat(r.statusCode()).as(r.body().length() > 300 ? r.body().substring(0, 300) : r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/json");
    JsonNode error = Json.tree(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo(code);
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("message").asText()).isNotBlank().hasSizeLessThan(400); // never echoes the input
    assertThat(error.has("param")).isTrue();
  }

  /** Every record of {@code key} on {@code topic}, in order, read from the beginning to the current end. */
  private static List<ConsumerRecord<byte[], byte[]>> recordsOf(TopicSpec<?, ?> topic, String key) {
    try (var consumer = new KafkaConsumer<byte[], byte[]>(
        KafkaConfigs.consumer(harness.kafka.bootstrapServers(), null, "sizes-" + key))) {
      List<TopicPartition> parts = consumer.partitionsFor(topic.name()).stream()
          .map(p -> new TopicPartition(topic.name(), p.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(100)).forEach(r -> {
          if (r.key() != null && key.equals(new String(r.key(), StandardCharsets.UTF_8))) {
            found.add(r);
          }
        });
        return parts.stream().allMatch(p -> consumer.position(p) >= end.get(p));
      });
      return found;
    }
  }
}
