package dev.fusion.ingress.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.config.RecordBudget;
import dev.fusion.common.contract.BatchState.LineError;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.kafka.KafkaRequests;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Sizes are bounded at the door the same way on every way in: the jobs API, chat completions, batch lines
 * and Kafka requests all reach the request model's size check and the model-ID cap.
 */
class RequestSizesTest {
  /** Issue 15's prompt: 1,020,106 bytes, under the old character limit. */
  static final String HUGE_PROMPT = "界".repeat(340_000);
  /** Issue 15's judge: 900 KB of options after a simulated model ID. */
  static final String HUGE_MODEL = "sim/judge;" + "x".repeat(900_000);

  private final FusionConfig config = FusionConfig.fromEnv(Map.of());
  private final RecordBudget budget = config.recordBudget();
  private final JobRequests jobs = new JobRequests(config);
  private final ChatCompletionRequests chat = new ChatCompletionRequests(jobs.limits());
  private final KafkaRequests kafka = new KafkaRequests(jobs, Set.of());

  private static ObjectNode jobBody(String prompt) {
    ObjectNode body = Json.object();
    body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    return body;
  }

  private static ObjectNode chatBody(String prompt) {
    return jobBody(prompt).put("model", "fusion");
  }

  /** Each way in, as a function from a jobs-API body to the job it accepts (or the error it throws). */
  private Map<String, Function<ObjectNode, FusionJob>> waysIn() {
    return Map.of(
        "jobs", body -> jobs.toJob(body, "acme"),
        "kafka", body -> kafka.toJob(Map.of(), null, Json.toBytes(body), JobRequests.newJobId()),
        "batch", body -> {
          BatchParser parser = new BatchParser(jobs, "batch_x", "acme", DeliberationRequest.EMPTY, 1L);
          BatchParser.Outcome outcome = parser.next(Json.toString(
              Json.object().put("custom_id", "c1").put("url", "/v1/jobs").set("body", body)));
          if (outcome.error() != null) {
            LineError e = outcome.error();
            throw new ApiError(e.code().equals("request_too_large") ? 413 : 400, "invalid_request_error", e.code(),
                null, e.message());
          }
          return outcome.item().job();
        });
  }

  private static void tooLarge(Runnable r) {
    assertThatThrownBy(r::run).isInstanceOfSatisfying(ApiError.class, e -> {
      assertThat(e.status()).isEqualTo(413);
      assertThat(e.code()).isEqualTo("request_too_large");
    });
  }

  @Test
  void theIssuesPromptIsTooLargeOnEveryWayIn() {
    assertThat(HUGE_PROMPT.getBytes(StandardCharsets.UTF_8).length).isEqualTo(1_020_000);
    waysIn().forEach((way, in) -> tooLarge(() -> in.apply(jobBody(HUGE_PROMPT))));
    tooLarge(() -> chat.parse(chatBody(HUGE_PROMPT)));
  }

  @Test
  void theLargestJobIsAcceptedAndOneCharMoreIsNot() {
    FusionJob empty = jobs.toJob(jobBody(""), "acme");
    long room = budget.maxJobBytes() - RecordBudget.jobBytes(empty);
    String largest = "a".repeat((int) room);
    waysIn().forEach((way, in) -> {
      assertThat(RecordBudget.jobBytes(in.apply(jobBody(largest)))).as(way).isEqualTo(budget.maxJobBytes());
      tooLarge(() -> in.apply(jobBody(largest + "a")));
    });
  }

  @Test
  void escapesCountAsTheBytesTheyBecome() {
    // A control character is 1 byte of UTF-8 but 6 once written as JSON: a prompt well under the limit
    // by characters and by UTF-8 bytes is too large as a record.
    String controls = "\u0001".repeat((int) (budget.maxJobBytes() / 6) + 10);
    assertThat(controls.getBytes(StandardCharsets.UTF_8).length).isLessThan((int) budget.maxJobBytes());
    waysIn().forEach((way, in) -> tooLarge(() -> in.apply(jobBody(controls))));
  }

  @Test
  void aHugeModelIdIsAnInvalidValueWhereverItIsNamed() {
    waysIn().forEach((way, in) -> {
      for (String field : new String[] {"model", "synthesizer"}) {
        assertThatThrownBy(() -> in.apply(jobBody("hi").put(field, HUGE_MODEL)))
            .isInstanceOfSatisfying(ApiError.class, e -> {
              assertThat(e.status()).as(way).isEqualTo(400);
              assertThat(e.code()).isEqualTo("invalid_value");
              assertThat(e.getMessage()).hasSizeLessThan(200); // never echoes the value
            });
      }
      ObjectNode panel = jobBody("hi");
      panel.putArray("analysis_models").add("sim/alpha").add(HUGE_MODEL);
      assertThatThrownBy(() -> in.apply(panel)).hasFieldOrPropertyWithValue("code", "invalid_value");
    });
    assertThatThrownBy(() -> chat.parse(chatBody("hi").put("model", HUGE_MODEL)))
        .hasFieldOrPropertyWithValue("param", "model").hasFieldOrPropertyWithValue("status", 400);
    ObjectNode plugin = chatBody("hi");
    plugin.putArray("plugins").addObject().put("id", "fusion").put("model", HUGE_MODEL);
    assertThatThrownBy(() -> chat.parse(plugin)).hasFieldOrPropertyWithValue("param", "plugins[fusion].model");
    // At the cap exactly is fine (a model the simulator serves: an unserved one is model_not_found).
    String atCap = "sim/" + "m".repeat(RecordBudget.MODEL_ID_BYTES - 2 - 4);
    assertThat(jobs.toJob(jobBody("hi").put("model", atCap), "acme").judgeModel()).isEqualTo(atCap);
  }

  @Test
  void theOuterModelsToolsCountTowardsTheJob() {
    // The client's own tools travel with the job (the outer model still has them when it answers).
    ObjectNode body = chatBody("hi");
    body.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "lookup")
        .put("description", "x".repeat((int) budget.maxJobBytes()));
    tooLarge(() -> chat.parse(body));
  }

  @Test
  void anUnknownFieldIsNamedBoundedInTheError() {
    String name = "f".repeat(100_000);
    waysIn().forEach((way, in) -> assertThatThrownBy(() -> in.apply(jobBody("hi").put(name, 1)))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.getMessage()).hasSizeLessThan(200)));
  }
}
