package dev.fusion.ingress.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.Analysis;
import dev.fusion.common.contract.BatchItem;
import dev.fusion.common.contract.BatchState;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.ToolStep;
import dev.fusion.common.contract.Usage;
import dev.fusion.ingress.view.JobStatus;
import dev.fusion.ingress.view.JobView;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One renderer per response shape: the job object, a result as a chat completion, lists. */
class WireShapesTest {
  private static final String JOB = "job_0123456789abcdef0123456789abcdef";

  /** A full result: analysis, panel answers, a failed model, usage per stage, timings, a rejudge link. */
  private static FusionResult fullResult() {
    Usage u = new Usage(10, 20, 0, 0.002);
    FusionJob job = new FusionJob(FusionJob.SCHEMA_VERSION, JOB, "acme", List.of(ChatMessage.user("q")),
        List.of("sim/alpha", "sim/beta"), "sim/judge", "sim/writer", null, null, 1_000_000L, null, null,
        "job_fedcba9876543210fedcba9876543210");
    return new FusionResult(FusionResult.SCHEMA_VERSION, JOB, "acme", FusionResult.COMPLETED, "the answer",
        "sim/writer", FusionResult.ROUTER, Json.convert(Json.tree("{\"consensus\":[\"x\"]}"), Analysis.class),
        List.of(new FusionResult.PanelResponse("sim/alpha", "sim/alpha", "a", u, 12)),
        List.of(new FusionResult.FailedModel("sim/beta", "rate_limited", 429, "HTTP 429")), null, null,
        new FusionResult.UsageReport(Map.of("sim/alpha", u), Map.of("panel", u), u), Map.of("total", 2_000L),
        1_000_000L, 1_002_000L, null, null, null, null, null, null).withJob(job);
  }

  @Test
  void aResultIsTheSameChatCompletionOnTheChatEndpointAndInABatchsOutput() {
    FusionResult result = fullResult();
    // What POST /v1/chat/completions answers for it
    ObjectNode chat = ChatCompletionResponses.fromResult(result);
    // And the body of its batch output line
    BatchItem item = new BatchItem(BatchItem.SCHEMA_VERSION, "batch_1", 0, 1, "c1",
        result.job());
    BatchState batch = new BatchState(BatchState.SCHEMA_VERSION, "batch_1", "acme", BatchState.COMPLETED, 1, 1, 0,
        List.of(), Map.of(), 1, 0, 1, 1L, 2L, null, 3L, null);
    JobView done = new JobView(JOB, "acme", JobStatus.COMPLETED, 1_000_000L, 1_002_000L, result);
    JsonNode line = BatchObjects.resultLine(item, done, batch);
    assertThat(line.path("response").path("body")).isEqualTo(chat);

    // The fuller, OpenAI-compatible shape: the completion ID, router at the top, the whole fusion object
    assertThat(chat.path("id").asText()).isEqualTo("chatcmpl-" + JOB);
    assertThat(chat.path("object").asText()).isEqualTo("chat.completion");
    assertThat(chat.path("created").asLong()).isEqualTo(1_000);
    assertThat(chat.path("router").asText()).isEqualTo("fusion");
    assertThat(chat.path("choices").get(0).path("message").path("content").asText()).isEqualTo("the answer");
    assertThat(chat.path("usage").path("total_tokens").asLong()).isEqualTo(30);
    JsonNode fusion = chat.path("fusion");
    assertThat(fusion.path("job_id").asText()).isEqualTo(JOB);
    assertThat(fusion.path("analysis").path("consensus")).hasSize(1);
    assertThat(fusion.path("responses")).hasSize(1);
    assertThat(fusion.path("failed_models").get(0).path("reason").asText()).isEqualTo("rate_limited");
    assertThat(fusion.path("timings_ms").path("total").asLong()).isEqualTo(2_000);
    assertThat(fusion.path("rejudge_of").asText()).isEqualTo("job_fedcba9876543210fedcba9876543210");
    assertThat(fusion.has("router")).isFalse();
    // The line around it keeps the OpenAI Batch output shape, with the job ID as its id
    assertThat(line.path("id").asText()).isEqualTo(JOB);
    assertThat(line.path("custom_id").asText()).isEqualTo("c1");
    assertThat(line.path("response").path("request_id").asText()).isEqualTo(JOB);
  }

  /** A result whose final answer calls a client function, with the judge's report and web sources. */
  private static FusionResult toolCallingResult(String answer) {
    Usage u = new Usage(10, 20, 0, 0.002);
    ToolStep search = ToolStep.search(1, "call_s", "battery chemistry", 5, 120, null);
    ToolStep fetch = ToolStep.fetch(2, "call_f", "https://example.org/cells", 200, 5_120L, 300, null);
    Analysis analysis = new Analysis(List.of("x"), List.of(), List.of(), List.of(), List.of()).withCoverage(3, 2);
    return new FusionResult(FusionResult.SCHEMA_VERSION, JOB, "acme", FusionResult.COMPLETED, answer, "sim/outer",
        FusionResult.ROUTER, analysis,
        List.of(new FusionResult.PanelResponse("sim/alpha", "sim/alpha", "a", u, 12, null, List.of(search, fetch))),
        List.of(), null, null, new FusionResult.UsageReport(Map.of("sim/alpha", u), Map.of("panel", u), u),
        Map.of("total", 2_000L), 1_000_000L, 1_002_000L, null, null, null, null,
        new FusionResult.JudgeReport("sim/alpha", Map.of("Response A", "sim/alpha"), List.of(search), true),
        List.of(new FusionResult.AnswerToolCall("call_1", "lookup", "{\"q\":\"cells\"}")));
  }

  @Test
  void aFinalAnswerThatCallsTheClientsFunctionsIsAToolCallsCompletion() {
    ObjectNode chat = ChatCompletionResponses.fromResult(toolCallingResult(""));
    JsonNode choice = chat.path("choices").get(0);
    assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
    JsonNode message = choice.path("message");
    assertThat(message.has("content")).isTrue();
    assertThat(message.path("content").isNull()).isTrue();
    assertThat(message.path("tool_calls")).isEqualTo(Json.tree("[{\"id\":\"call_1\",\"type\":\"function\","
        + "\"function\":{\"name\":\"lookup\",\"arguments\":\"{\\\"q\\\":\\\"cells\\\"}\"}}]"));
    // Text beside the calls stays.
    JsonNode both = ChatCompletionResponses.fromResult(toolCallingResult("Looking it up.")).path("choices").get(0);
    assertThat(both.path("message").path("content").asText()).isEqualTo("Looking it up.");
    assertThat(both.path("finish_reason").asText()).isEqualTo("tool_calls");
    // Without calls: no tool_calls field, finish_reason stop.
    JsonNode plain = ChatCompletionResponses.fromResult(fullResult()).path("choices").get(0);
    assertThat(plain.path("message").has("tool_calls")).isFalse();
    assertThat(plain.path("finish_reason").asText()).isEqualTo("stop");
  }

  @Test
  void theFusionObjectCarriesTheJudgeSourcesAndCoverage() {
    FusionResult result = toolCallingResult("");
    JsonNode fusion = ChatCompletionResponses.fromResult(result).path("fusion");
    assertThat(Json.toString(fusion.path("judge"))).isEqualTo(Json.toString(Json.tree("{\"model\":\"sim/alpha\",\"labels\":{\"Response A\":"
        + "\"sim/alpha\"},\"sources\":[{\"step\":1,\"tool\":\"web_search\",\"call_id\":\"call_s\",\"query\":"
        + "\"battery chemistry\",\"result_count\":5,\"duration_ms\":120}],\"on_panel\":true}")));
    JsonNode sources = fusion.path("responses").get(0).path("sources");
    assertThat(sources).hasSize(2);
    assertThat(sources.get(1).path("url").asText()).isEqualTo("https://example.org/cells");
    assertThat(sources.get(1).path("status").asInt()).isEqualTo(200);
    assertThat(sources.get(1).path("bytes").asLong()).isEqualTo(5_120);
    assertThat(fusion.path("analysis").path("asked").asInt()).isEqualTo(3);
    assertThat(fusion.path("analysis").path("answered").asInt()).isEqualTo(2);
    // The hosted fields are still there, spelled as there.
    assertThat(fusion.path("status").asText()).isEqualTo("completed");
    assertThat(fusion.has("failureReason")).isTrue();
    assertThat(fusion.has("failed_models")).isTrue();
    // A result without a judge report (a failed panel) has no judge field.
    assertThat(ChatCompletionResponses.fromResult(fullResult()).path("fusion").has("judge")).isFalse();
    // A batch's output line is the same completion.
    BatchItem item = new BatchItem(BatchItem.SCHEMA_VERSION, "batch_1", 0, 1, "c1", fullResult().job());
    BatchState batch = new BatchState(BatchState.SCHEMA_VERSION, "batch_1", "acme", BatchState.COMPLETED, 1, 1, 0,
        List.of(), Map.of(), 1, 0, 1, 1L, 2L, null, 3L, null);
    JsonNode line = BatchObjects.resultLine(item, new JobView(JOB, "acme", JobStatus.COMPLETED, 1_000_000L,
        1_002_000L, result), batch);
    assertThat(line.path("response").path("body")).isEqualTo(ChatCompletionResponses.fromResult(result));
    assertThat(line.path("response").path("body").path("choices").get(0).path("finish_reason").asText())
        .isEqualTo("tool_calls");
  }

  @Test
  void aDeliberationThatFailedButWasAnsweredShowsItsErrorInTheFusionObject() {
    FusionResult answered = new FusionResult(FusionResult.SCHEMA_VERSION, JOB, "acme", FusionResult.COMPLETED,
        "I answer on my own.", "sim/writer", FusionResult.ROUTER, null, List.of(),
        List.of(new FusionResult.FailedModel("sim/alpha", "rate_limited", 429, "HTTP 429")), "rate_limited",
        "every panel model was rate limited", null, Map.of("total", 10L), 1_000_000L, 1_000_010L);
    JsonNode chat = ChatCompletionResponses.fromResult(answered);
    assertThat(chat.path("choices").get(0).path("message").path("content").asText()).isEqualTo("I answer on my own.");
    assertThat(chat.path("fusion").path("error").asText()).isEqualTo("every panel model was rate limited");
    assertThat(chat.path("fusion").path("failure_reason").asText()).isEqualTo("rate_limited");
    assertThat(chat.path("fusion").path("failureReason").asText()).isEqualTo("rate_limited");
  }

  @Test
  void aJobObjectSaysRejudgeOfAtItsTopLevel() {
    FusionResult result = fullResult();
    // Once the result is known (any instance)
    JsonNode finished = JobObjects.job(new JobView(JOB, "acme", JobStatus.COMPLETED, 1_000_000L, 1_002_000L, result));
    assertThat(finished.path("rejudge_of").asText()).isEqualTo(result.rejudgeOf());
    assertThat(finished.path("result").path("rejudge_of").asText()).isEqualTo(result.rejudgeOf());
    assertThat(finished.path("completed_at").asLong()).isEqualTo(1_002);
    // Before the result, where the rejudge was accepted
    JsonNode running = JobObjects.job(new JobView(JOB, "acme", JobStatus.RUNNING, 1_000_000L, 1_001_000L, null, null,
        "job_fedcba9876543210fedcba9876543210"));
    assertThat(running.path("rejudge_of").asText()).isEqualTo("job_fedcba9876543210fedcba9876543210");
    assertThat(running.has("result")).isFalse();
    // An ordinary job has none
    JsonNode plain = JobObjects.job(new JobView(JOB, "acme", JobStatus.QUEUED, 1_000_000L, 1_000_000L, null));
    assertThat(plain.has("rejudge_of")).isFalse();
  }

  @Test
  void everyJobObjectHasTheSameCoreAndAnAcceptanceSaysWhereToPoll() {
    JobView job = new JobView(JOB, "acme", JobStatus.COMPLETED, 1_000_000L, 1_002_000L, fullResult());
    ObjectNode full = JobObjects.job(job);
    ObjectNode summary = JobObjects.summary(job);
    ObjectNode accepted = JobObjects.accepted(JOB, JobStatus.QUEUED, 1_000_000L, null);
    for (ObjectNode o : List.of(full, summary, accepted)) {
      assertThat(o.path("id").asText()).isEqualTo(JOB);
      assertThat(o.path("object").asText()).isEqualTo("fusion.job");
      assertThat(o.path("created_at").asLong()).isEqualTo(1_000);
    }
    assertThat(full.path("status").asText()).isEqualTo("completed");
    assertThat(summary.has("result")).isFalse();
    ObjectNode withoutResult = full.deepCopy();
    withoutResult.remove("result");
    assertThat(withoutResult).isEqualTo(summary);
    assertThat(accepted.path("status").asText()).isEqualTo("queued");
    assertThat(accepted.path("poll").asText()).isEqualTo("/v1/jobs/" + JOB);
  }

  @Test
  void listsShareOnePagingShape() {
    ObjectNode empty = ListObjects.page(List.of(), false);
    assertThat(Json.toString(empty))
        .isEqualTo("{\"object\":\"list\",\"data\":[],\"first_id\":null,\"last_id\":null,\"has_more\":false}");
    ObjectNode page = ListObjects.page(List.of(Json.object().put("id", "a"), Json.object().put("id", "b")), true);
    assertThat(page.path("first_id").asText()).isEqualTo("a");
    assertThat(page.path("last_id").asText()).isEqualTo("b");
    assertThat(page.path("has_more").asBoolean()).isTrue();
    assertThat(page.path("data")).hasSize(2);
  }
}
