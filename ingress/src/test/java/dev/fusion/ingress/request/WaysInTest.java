package dev.fusion.ingress.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.BatchState.LineError;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.kafka.KafkaRequests;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same deliberation settings through every way in — the jobs API, a chat completion's fusion plugin,
 * a {@code fusion.requests} record, a batch line in each of its three formats, and the batch's query
 * settings — give the same normalised job or the same error: the same code, and the same field, named
 * where that way's request holds it ({@code temperature}, {@code plugins[fusion].temperature},
 * {@code body.temperature}, ...). The limits ({@code FUSION_MAX_MESSAGES}, {@code FUSION_MAX_PROMPT_CHARS},
 * {@code FUSION_MAX_PANEL}) are those of a small server, so they are checked on every path, chat included.
 */
class WaysInTest {
  private static final FusionConfig CONFIG = FusionConfig.fromEnv(Map.of());
  private static final Limits LIMITS = Limits.of(CONFIG, new RequestLimits(3, 200, 2),
      Presets.fromEnv(Map.of(), CONFIG));
  private static final JobRequests JOBS = new JobRequests(LIMITS);
  private static final ChatCompletionRequests CHAT = new ChatCompletionRequests(LIMITS);
  private static final KafkaRequests KAFKA = new KafkaRequests(JOBS, Set.of());
  private static final String JOB_ID = "job_0123456789abcdef0123456789abcdef";

  /** What a way in made of a request: the job, or the error's code and param. */
  record Outcome(FusionJob job, String code, String param) {
    static Outcome of(ApiError e) {
      return new Outcome(null, e.code(), e.param());
    }
  }

  /**
   * A way in: how it is fed the messages and settings, and where it names a settings field.
   * {@code answersOnFailure}: the chat endpoint's own default, {@code on_failure: "answer"}.
   */
  record Way(String name, Function<ObjectNode, Outcome> feed, String settingsPrefix, String messagesPrefix,
      boolean answersOnFailure) {
    Way(String name, Function<ObjectNode, Outcome> feed, String settingsPrefix, String messagesPrefix) {
      this(name, feed, settingsPrefix, messagesPrefix, false);
    }
  }

  static final List<Way> WAYS = List.of(
      new Way("jobs API", r -> catching(() -> JOBS.toJob(r, "default", JOB_ID)), "", ""),
      new Way("fusion.requests", r -> catching(() -> KAFKA.toJob(Map.of(), null, Json.toBytes(r), JOB_ID)), "", ""),
      new Way("chat plugin", WaysInTest::chat, "plugins[fusion].", "", true),
      new Way("chat tool entry", WaysInTest::chatTool, "tools[fusion].", "", true),
      new Way("chat tool entry's parameters", WaysInTest::chatToolParameters, "tools[fusion].parameters.", "", true),
      new Way("batch shorthand line", r -> line(Json.object().put("custom_id", "a").setAll(r), Map.of()), "", ""),
      new Way("batch /v1/jobs line", r -> line(Json.object().put("custom_id", "a").put("url", "/v1/jobs")
          .set("body", r), Map.of()), "body.", "body."),
      new Way("batch chat line", r -> line(Json.object().put("custom_id", "a").put("method", "POST")
          .put("url", "/v1/chat/completions").set("body", chatBody(r)), Map.of()), "body.plugins[fusion].", "body."),
      new Way("batch query settings", WaysInTest::query, "", ""));

  static Stream<Arguments> rows() {
    List<Row> rows = new ArrayList<>();
    // Accepted: what each way must normalise to.
    rows.add(ok("defaults (quality preset)", "{}", "sim/alpha,sim/beta,sim/gamma", "sim/judge", "sim/writer", null,
        null, null, null));
    rows.add(ok("every setting", "{\"analysis_models\":[\"sim/alpha\",\" sim/beta;latency_ms=5 \"],"
        + "\"model\":\"sim/arbiter\",\"synthesizer\":\"sim/scribe\",\"temperature\":0.7,\"max_completion_tokens\":500,"
        + "\"max_tool_calls\":4,\"reasoning\":{\"effort\":\"high\",\"max_tokens\":64}}",
        "sim/alpha,sim/beta;latency_ms=5", "sim/arbiter", "sim/scribe", 0.7, 500, 4, "{\"effort\":\"high\",\"max_tokens\":64}"));
    rows.add(ok("preset fusion/fast", "{\"preset\":\"fusion/fast\"}", "sim/alpha,sim/beta", "sim/judge", "sim/writer",
        null, null, null, null));
    rows.add(ok("preset fusion/budget, judge overridden", "{\"preset\":\"fusion/budget\",\"model\":\"sim/j2\"}",
        "sim/alpha", "sim/j2", "sim/writer", null, null, null, null));
    rows.add(ok("web tools and the failure policy", "{\"web_tools\":\"provider\",\"on_failure\":\"error\"}",
        "sim/alpha,sim/beta,sim/gamma", "sim/judge", "sim/writer", null, null, null, null, "provider", "error"));
    rows.add(ok("web tools off, answer on failure", "{\"web_tools\":\"off\",\"on_failure\":\"answer\"}",
        "sim/alpha,sim/beta,sim/gamma", "sim/judge", "sim/writer", null, null, null, null, "off", "answer"));
    rows.add(ok("every reasoning effort's edge", "{\"reasoning\":{\"effort\":\"none\"}}",
        "sim/alpha,sim/beta,sim/gamma", "sim/judge", "sim/writer", null, null, null, "{\"effort\":\"none\"}"));
    rows.add(ok("the same model with other options is another panel member",
        "{\"analysis_models\":[\"sim/alpha\",\"sim/alpha;latency_ms=5\"]}", "sim/alpha,sim/alpha;latency_ms=5",
        "sim/judge", "sim/writer", null, null, null, null));
    rows.add(ok("a judge that also sits on the panel", "{\"analysis_models\":[\"sim/alpha\"],\"model\":\"sim/alpha\"}",
        "sim/alpha", "sim/alpha", "sim/writer", null, null, null, null));
    rows.add(ok("the edges of every range", "{\"temperature\":2,\"max_tool_calls\":16,\"max_completion_tokens\":1}",
        "sim/alpha,sim/beta,sim/gamma", "sim/judge", "sim/writer", 2.0, 1, 16, null));
    // Refused: the field (as the table names it) and the code.
    rows.add(err("temperature above 2", "{\"temperature\":2.5}", "temperature", "invalid_value"));
    rows.add(err("temperature not a number", "{\"temperature\":\"hot\"}", "temperature", "invalid_value"));
    rows.add(err("max_tool_calls above 16", "{\"max_tool_calls\":17}", "max_tool_calls", "invalid_value"));
    rows.add(err("max_tool_calls 0", "{\"max_tool_calls\":0}", "max_tool_calls", "invalid_value"));
    rows.add(err("max_tool_calls a fraction", "{\"max_tool_calls\":1.5}", "max_tool_calls", "invalid_value"));
    rows.add(err("max_completion_tokens 0", "{\"max_completion_tokens\":0}", "max_completion_tokens",
        "invalid_value"));
    rows.add(err("an empty panel", "{\"analysis_models\":[]}", "analysis_models", "invalid_value"));
    rows.add(err("a panel over FUSION_MAX_PANEL", "{\"analysis_models\":[\"sim/a\",\"sim/b\",\"sim/c\"]}",
        "analysis_models", "invalid_value"));
    rows.add(err("nine models", "{\"analysis_models\":[\"sim/1\",\"sim/2\",\"sim/3\",\"sim/4\",\"sim/5\",\"sim/6\","
        + "\"sim/7\",\"sim/8\",\"sim/9\"]}", "analysis_models", "invalid_value"));
    rows.add(err("a panel that is not a list", "{\"analysis_models\":\"sim/a\"}", "analysis_models", "invalid_type")
        .noQuery());
    rows.add(err("a panel of numbers", "{\"analysis_models\":[5]}", "analysis_models[0]", "invalid_type").noQuery());
    rows.add(err("a panel model no provider serves", "{\"analysis_models\":[\"sim/alpha\",\"nope/x\"]}",
        "analysis_models[1]", "model_not_found"));
    rows.add(err("a judge no provider serves", "{\"model\":\"nope/judge\"}", "model", "model_not_found"));
    rows.add(err("a synthesizer no provider serves", "{\"synthesizer\":\"gpt-4o\"}", "synthesizer",
        "model_not_found"));
    rows.add(err("a preset named as the judge", "{\"model\":\"fusion/fast\"}", "model", "model_not_found"));
    rows.add(err("a judge that is not a string", "{\"model\":7}", "model", "invalid_type").noQuery());
    rows.add(err("a model ID over 256 bytes", "{\"synthesizer\":\"sim/" + "x".repeat(300) + "\"}", "synthesizer",
        "invalid_value"));
    rows.add(err("an unknown preset", "{\"preset\":\"fusion/nope\"}", "preset", "model_not_found"));
    rows.add(err("reasoning not an object", "{\"reasoning\":\"high\"}", "reasoning", "invalid_type"));
    rows.add(err("an unknown reasoning field", "{\"reasoning\":{\"colour\":1}}", "reasoning.colour",
        "unknown_parameter"));
    rows.add(err("reasoning.max_tokens 0", "{\"reasoning\":{\"max_tokens\":0}}", "reasoning.max_tokens",
        "invalid_value"));
    rows.add(err("a deeply nested reasoning effort", "{\"reasoning\":{\"effort\":" + "[".repeat(500)
        + "]".repeat(500) + "}}", "reasoning.effort", "invalid_type"));
    rows.add(err("an unknown reasoning effort", "{\"reasoning\":{\"effort\":\"extreme\"}}", "reasoning.effort",
        "invalid_value"));
    rows.add(err("a reasoning field the reference does not forward", "{\"reasoning\":{\"exclude\":true}}",
        "reasoning.exclude", "unknown_parameter"));
    rows.add(err("reasoning.max_tokens a string", "{\"reasoning\":{\"max_tokens\":\"lots\"}}",
        "reasoning.max_tokens", "invalid_value"));
    rows.add(err("an unknown web_tools mode", "{\"web_tools\":\"always\"}", "web_tools", "invalid_value"));
    rows.add(err("web_tools not a string", "{\"web_tools\":true}", "web_tools", "invalid_type").noQuery());
    rows.add(err("an unknown on_failure", "{\"on_failure\":\"retry\"}", "on_failure", "invalid_value"));
    rows.add(err("on_failure not a string", "{\"on_failure\":[\"error\"]}", "on_failure", "invalid_type").noQuery());
    rows.add(err("the same model twice in the panel", "{\"analysis_models\":[\"sim/alpha\",\"sim/alpha\"]}",
        "analysis_models[1]", "duplicate_model"));
    rows.add(err("provider tools in the settings", "{\"tools\":[{\"type\":\"openrouter:web_search\"}]}", "tools",
        "unsupported_parameter").noQuery());
    rows.add(err("an unknown field", "{\"colour\":5}", "colour", "unknown_parameter"));
    // The limits on the conversation: the messages are not settings, so the query way carries them on its line.
    rows.add(err("more messages than FUSION_MAX_MESSAGES", "{}", "messages", "too_many_messages")
        .messages(4, "hi"));
    rows.add(err("a prompt over FUSION_MAX_PROMPT_CHARS", "{}", "messages", "prompt_too_long")
        .messages(1, "x".repeat(201)));
    rows.add(err("no messages", "{}", "messages", "invalid_value").messages(0, ""));
    return rows.stream().map(r -> Arguments.of(r.name, r));
  }

  /** One row: settings, the conversation, and the expected job or error. */
  static final class Row {
    final String name;
    final ObjectNode settings;
    ArrayNode messages = Json.MAPPER.createArrayNode();
    final FusionJob expected;
    final String field;
    final String code;
    boolean viaQuery = true;

    Row(String name, String settings, FusionJob expected, String field, String code) {
      this.name = name;
      this.settings = (ObjectNode) Json.tree(settings);
      this.expected = expected;
      this.field = field;
      this.code = code;
      messages.addObject().put("role", "user").put("content", "Why is the sky blue?");
    }

    Row noQuery() {
      viaQuery = false; // The value cannot be spelled in a query string (every query value is text).
      return this;
    }

    Row messages(int count, String content) {
      messages = Json.MAPPER.createArrayNode();
      for (int i = 0; i < count; i++) {
        messages.addObject().put("role", "user").put("content", content);
      }
      return this;
    }

    ObjectNode request() {
      ObjectNode r = Json.object();
      r.set("messages", messages);
      r.setAll(settings);
      return r;
    }
  }

  static Row ok(String name, String settings, String panel, String judge, String synth, Double temperature,
      Integer maxTokens, Integer toolCalls, String reasoning) {
    return ok(name, settings, panel, judge, synth, temperature, maxTokens, toolCalls, reasoning, null, null);
  }

  static Row ok(String name, String settings, String panel, String judge, String synth, Double temperature,
      Integer maxTokens, Integer toolCalls, String reasoning, String webTools, String onFailure) {
    FusionJob job = new FusionJob(FusionJob.SCHEMA_VERSION, JOB_ID, "default",
        List.of(new dev.fusion.common.contract.ChatMessage("user", "Why is the sky blue?")), List.of(panel.split(",")),
        judge, synth, temperature, maxTokens, 0, toolCalls, reasoning == null ? null : Json.tree(reasoning), null,
        null, null, webTools, onFailure);
    return new Row(name, settings, job, null, null);
  }

  static Row err(String name, String settings, String field, String code) {
    return new Row(name, settings, null, field, code);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void everyWayInAgrees(String name, Row row) {
    for (Way way : WAYS) {
      if (way.name.equals("batch query settings") && !row.viaQuery) {
        continue;
      }
      Outcome out = way.feed.apply(row.request());
      String as = name + " via " + way.name;
      if (row.expected != null) {
        assertThat(out.code).as(as + " (" + out.param + ")").isNull();
        String onFailure = row.expected.onFailure() == null && way.answersOnFailure ? FusionJob.ON_FAILURE_ANSWER
            : row.expected.onFailure();
        assertThat(normalised(out.job)).as(as).isEqualTo(normalised(row.expected, onFailure));
      } else {
        boolean aboutMessages = row.field.startsWith("messages");
        String prefix = aboutMessages ? way.messagesPrefix : way.settingsPrefix;
        assertThat(out.job).as(as).isNull();
        assertThat(out.code + " " + out.param).as(as).isEqualTo(row.code + " " + prefix + row.field);
      }
    }
  }

  /**
   * A job without what differs by way in and moment: its ID, tenant and time, and the outer call (only
   * chat completions have one).
   */
  private static String normalised(FusionJob job) {
    return normalised(job, job.onFailure());
  }

  private static String normalised(FusionJob job, String onFailure) {
    return Json.toString(new FusionJob(job.schemaVersion(), JOB_ID, "default", job.messages(), job.analysisModels(),
        job.judgeModel(), job.synthesizerModel(), job.temperature(), job.maxCompletionTokens(), 0, job.maxToolCalls(),
        job.reasoning(), null, null, null, job.webTools(), onFailure));
  }

  private static Outcome catching(java.util.function.Supplier<FusionJob> in) {
    try {
      return new Outcome(in.get(), null, null);
    } catch (ApiError e) {
      return Outcome.of(e);
    }
  }

  /** The chat body of a request: model "fusion", the settings in the fusion plugin. */
  private static ObjectNode chatBody(ObjectNode request) {
    ObjectNode body = Json.object().put("model", "fusion").put("tool_choice", "required");
    body.set("messages", request.get("messages"));
    ObjectNode plugin = body.putArray("plugins").addObject().put("id", "fusion");
    request.fields().forEachRemaining(e -> {
      if (!e.getKey().equals("messages")) {
        plugin.set(e.getKey(), e.getValue());
      }
    });
    return body;
  }

  private static Outcome chat(ObjectNode request) {
    return catching(() -> CHAT.parse(chatBody(request)).fusion().toJob(JOB_ID, "default", 0));
  }

  /** The fusion tool on the preset: same fields as the plugin. */
  private static Outcome chatTool(ObjectNode request) {
    ObjectNode body = chatBody(request);
    ObjectNode entry = (ObjectNode) body.remove("plugins").get(0);
    entry.remove("id");
    body.putArray("tools").add(entry.put("type", "fusion"));
    return catching(() -> CHAT.parse(body).fusion().toJob(JOB_ID, "default", 0));
  }

  /** The fusion tool entry in the hosted docs' form: its settings in {@code parameters}. */
  private static Outcome chatToolParameters(ObjectNode request) {
    ObjectNode body = chatBody(request);
    ObjectNode settings = (ObjectNode) body.remove("plugins").get(0);
    settings.remove("id");
    ObjectNode entry = body.putArray("tools").addObject().put("type", "openrouter:fusion");
    entry.set("parameters", settings);
    return catching(() -> CHAT.parse(body).fusion().toJob(JOB_ID, "default", 0));
  }

  private static Outcome line(ObjectNode line, Map<String, List<String>> query) {
    BatchParser parser;
    try {
      parser = new BatchParser(JOBS, "batch_x", "default", BatchParser.settings(query, JOBS).request(), 0);
    } catch (ApiError e) {
      return Outcome.of(e);
    }
    BatchParser.Outcome out = parser.next(Json.toString(line));
    LineError e = out.error();
    return e != null ? new Outcome(null, e.code(), e.param()) : new Outcome(out.item().job(), null, null);
  }

  /** The settings as the upload's query parameters (as Vert.x hands them over), the messages on a line. */
  private static Outcome query(ObjectNode request) {
    Map<String, List<String>> query = new LinkedHashMap<>();
    request.fields().forEachRemaining(e -> {
      JsonNode v = e.getValue();
      if (e.getKey().equals("messages")) {
        return;
      }
      if (v.isArray()) {
        List<String> items = new ArrayList<>();
        v.forEach(m -> items.add(m.asText()));
        query.put(e.getKey(), List.of(String.join(",", items)));
      } else {
        query.put(e.getKey(), List.of(v.isTextual() ? v.asText() : Json.toString(v)));
      }
    });
    ObjectNode line = Json.object().put("custom_id", "a");
    line.set("messages", request.get("messages"));
    return line(line, query);
  }

  @org.junit.jupiter.api.Test
  void theTableCoversEveryFieldAndEveryWay() {
    Set<String> named = new java.util.HashSet<>();
    rows().forEach(a -> ((Row) a.get()[1]).settings.fieldNames().forEachRemaining(named::add));
    assertThat(named).containsAll(RequestReader.SETTINGS);
    if (WAYS.size() != 9) {
      fail("a way in was added: give it its prefixes here");
    }
  }
}
