package dev.fusion.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Models with {@code web_steps}: the test plays the tool executor, running each call against the
 * simulator's own {@code /search} and {@code /web} pages over HTTP and sending the results back.
 */
class WebToolsTest extends SimulatorTestBase {

  private static final String PROMPT = "What limits the battery life of electric cars?";

  private static JsonObject webRequest(String model, String prompt) {
    return chatBody(model, prompt).put("tools", new JsonArray().add(fn("web_search", "query")).add(fn("web_fetch", "url")));
  }

  private static JsonObject message(JsonObject choice) {
    return choice.getJsonObject("message");
  }

  /** Runs one tool call as a tool executor would: a SearXNG search or a page fetch, over HTTP. */
  private String execute(JsonObject call) {
    JsonObject fn = call.getJsonObject("function");
    JsonObject args = new JsonObject(fn.getString("arguments"));
    if (fn.getString("name").equals("web_search")) {
      HttpResponse<Buffer> r = await(client.get(sim.port(), "127.0.0.1", "/search")
          .addQueryParam("q", args.getString("query")).addQueryParam("format", "json").send());
      assertThat(r.statusCode()).isEqualTo(200);
      return r.bodyAsString();
    }
    URI url = URI.create(args.getString("url"));
    assertThat(url.getPort()).isEqualTo(sim.port());
    HttpResponse<Buffer> r = await(client.get(url.getPort(), url.getHost(), url.getPath()).send());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.bodyAsString();
  }

  /** Appends the assistant's tool calls and, for each (in the given order), a tool message with its result. */
  private static void appendStep(JsonObject body, JsonObject assistant, List<JsonObject> calls, List<String> results) {
    JsonArray messages = body.getJsonArray("messages");
    messages.add(assistant.copy());
    for (int i = 0; i < calls.size(); i++) {
      messages.add(new JsonObject().put("role", "tool").put("tool_call_id", calls.get(i).getString("id"))
          .put("content", results.get(i)));
    }
  }

  private static List<JsonObject> calls(JsonObject choice) {
    assertThat(choice.getString("finish_reason")).isEqualTo("tool_calls");
    List<JsonObject> out = new ArrayList<>();
    for (Object o : message(choice).getJsonArray("tool_calls")) {
      JsonObject call = (JsonObject) o;
      assertThat(call.getString("type")).isEqualTo("function");
      new JsonObject(call.getJsonObject("function").getString("arguments")); // valid JSON
      out.add(call);
    }
    return out;
  }

  @Test
  void twoWebStepsSearchThenFetchThenAnswerCitingTheFetchedPage() {
    JsonObject body = webRequest("sim/alpha;web_steps=2", PROMPT);
    Set<String> ids = new HashSet<>();

    JsonObject first = choice(body);
    List<JsonObject> searches = calls(first);
    assertThat(searches).hasSize(1);
    assertThat(searches.get(0).getJsonObject("function").getString("name")).isEqualTo("web_search");
    String query = new JsonObject(searches.get(0).getJsonObject("function").getString("arguments")).getString("query");
    assertThat(query).contains("battery").contains("electric");
    String searchResult = execute(searches.get(0));
    String firstUrl = new JsonObject(searchResult).getJsonArray("results").getJsonObject(0).getString("url");
    appendStep(body, message(first), searches, List.of(searchResult));
    ids.add(searches.get(0).getString("id"));

    JsonObject second = choice(body);
    List<JsonObject> fetches = calls(second);
    assertThat(fetches).hasSize(1);
    assertThat(fetches.get(0).getJsonObject("function").getString("name")).isEqualTo("web_fetch");
    assertThat(new JsonObject(fetches.get(0).getJsonObject("function").getString("arguments")).getString("url"))
        .isEqualTo(firstUrl);
    String page = execute(fetches.get(0));
    assertThat(page).contains("<h1>Electric Car Batteries");
    appendStep(body, message(second), fetches, List.of(page));
    ids.add(fetches.get(0).getString("id"));
    assertThat(ids).hasSize(2);

    JsonObject answer = choice(body);
    assertThat(answer.getString("finish_reason")).isEqualTo("stop");
    assertThat(message(answer).containsKey("tool_calls")).isFalse();
    assertThat(message(answer).getString("content")).isNotBlank().contains("Source: " + firstUrl);

    // What each of the three calls received, as the simulator recorded it.
    List<RecordedRequest> received = sim.requests("sim/alpha").stream()
        .filter(r -> r.model().contains("web_steps=2")).toList();
    assertThat(received).hasSizeGreaterThanOrEqualTo(3);
    List<RecordedRequest> lastThree = received.subList(received.size() - 3, received.size());
    assertThat(lastThree).extracting(r -> r.body().path("messages").size()).containsExactly(2, 4, 6);
  }

  @Test
  void streamedToolCallsAreWellFormedChunks() {
    JsonObject body = webRequest("sim/alpha;web_steps=2;web_fanout=2", PROMPT).put("stream", true);
    List<String> data = sseData(chat(body).bodyAsString());
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    Map<Integer, JsonObject> byIndex = new LinkedHashMap<>();
    String finish = null;
    for (String d : data.subList(0, data.size() - 1)) {
      JsonObject choice = new JsonObject(d).getJsonArray("choices").getJsonObject(0);
      JsonArray deltas = choice.getJsonObject("delta").getJsonArray("tool_calls");
      if (deltas != null) {
        for (Object o : deltas) {
          JsonObject delta = (JsonObject) o;
          int index = delta.getInteger("index");
          JsonObject call = byIndex.computeIfAbsent(index, i -> {
            assertThat(delta.getString("id")).as("the first delta of a call carries its id").isNotNull();
            assertThat(delta.getString("type")).isEqualTo("function");
            return new JsonObject().put("id", delta.getString("id"))
                .put("name", delta.getJsonObject("function").getString("name")).put("arguments", "");
          });
          call.put("arguments", call.getString("arguments") + delta.getJsonObject("function").getString("arguments", ""));
        }
      }
      if (choice.getString("finish_reason") != null) {
        finish = choice.getString("finish_reason");
      }
    }
    assertThat(finish).isEqualTo("tool_calls");
    assertThat(byIndex.keySet()).containsExactly(0, 1);
    Set<String> queries = new HashSet<>();
    for (JsonObject call : byIndex.values()) {
      assertThat(call.getString("name")).isEqualTo("web_search");
      queries.add(new JsonObject(call.getString("arguments")).getString("query"));
    }
    assertThat(queries).hasSize(2);
    JsonObject unstreamed = choice(webRequest("sim/alpha;web_steps=2;web_fanout=2", PROMPT));
    assertThat(calls(unstreamed)).extracting(c -> c.getJsonObject("function").getString("arguments"))
        .containsExactlyElementsOf(byIndex.values().stream().map(c -> c.getString("arguments")).toList());
  }

  @Test
  void fanOutSearchesAtOnceThenFetchesFromTheResults() {
    JsonObject body = webRequest("sim/beta;web_steps=2;web_fanout=3", "How do ocean tides work near coasts?");
    JsonObject first = choice(body);
    List<JsonObject> searches = calls(first);
    assertThat(searches).hasSize(3);
    Set<String> ids = new HashSet<>();
    Set<String> queries = new HashSet<>();
    for (JsonObject call : searches) {
      assertThat(call.getJsonObject("function").getString("name")).isEqualTo("web_search");
      ids.add(call.getString("id"));
      queries.add(new JsonObject(call.getJsonObject("function").getString("arguments")).getString("query"));
    }
    assertThat(ids).hasSize(3);
    assertThat(queries).hasSize(3);
    List<String> results = searches.stream().map(this::execute).toList();
    // The executor may answer in any order.
    appendStep(body, message(first), List.of(searches.get(2), searches.get(0), searches.get(1)),
        List.of(results.get(2), results.get(0), results.get(1)));

    JsonObject second = choice(body);
    List<JsonObject> fetches = calls(second);
    assertThat(fetches).hasSize(1);
    String url = new JsonObject(fetches.get(0).getJsonObject("function").getString("arguments")).getString("url");
    assertThat(url).isEqualTo(sim.rootUrl() + "/web/how-tides-work");
    appendStep(body, message(second), fetches, List.of(execute(fetches.get(0))));
    assertThat(message(choice(body)).getString("content")).contains("Source: " + url);
  }

  @Test
  void toolChoiceNoneAnswersNowCitingWhatWasFetched() {
    JsonObject body = webRequest("sim/alpha;web_steps=4", PROMPT);
    assertThat(choice(body.copy().put("tool_choice", "none")).getString("finish_reason")).isEqualTo("stop");

    JsonObject first = choice(body);
    List<JsonObject> searches = calls(first);
    appendStep(body, message(first), searches, List.of(execute(searches.get(0))));
    JsonObject second = choice(body);
    List<JsonObject> fetches = calls(second);
    appendStep(body, message(second), fetches, List.of(execute(fetches.get(0))));
    String url = new JsonObject(fetches.get(0).getJsonObject("function").getString("arguments")).getString("url");

    JsonObject third = choice(body.copy()); // two of four steps done: it would search again
    assertThat(calls(third).get(0).getJsonObject("function").getString("name")).isEqualTo("web_search");
    JsonObject now = choice(body.put("tool_choice", "none"));
    assertThat(now.getString("finish_reason")).isEqualTo("stop");
    assertThat(message(now).getString("content")).contains("Source: " + url);
  }

  @Test
  void anErrorResultIsNotedAndTheModelGoesOn() {
    JsonObject body = webRequest("sim/alpha;web_steps=3", PROMPT);
    JsonObject first = choice(body);
    List<JsonObject> searches = calls(first);
    appendStep(body, message(first), searches, List.of("{\"error\": \"search backend timed out\"}"));

    JsonObject second = choice(body); // nothing to fetch: it searches again
    List<JsonObject> again = calls(second);
    assertThat(again.get(0).getJsonObject("function").getString("name")).isEqualTo("web_search");
    assertThat(again.get(0).getString("id")).isNotEqualTo(searches.get(0).getString("id"));
    assertThat(again.get(0).getJsonObject("function").getString("arguments"))
        .isNotEqualTo(searches.get(0).getJsonObject("function").getString("arguments"));
    appendStep(body, message(second), again, List.of(execute(again.get(0))));

    JsonObject third = choice(body);
    List<JsonObject> fetches = calls(third);
    assertThat(fetches.get(0).getJsonObject("function").getString("name")).isEqualTo("web_fetch");
    appendStep(body, message(third), fetches, List.of("{\"error\": {\"message\": \"HTTP 503\"}}"));

    JsonObject answer = choice(body);
    String content = message(answer).getString("content");
    assertThat(content).contains("Note: web_search failed: search backend timed out")
        .contains("Note: web_fetch failed: HTTP 503").doesNotContain("Source:");
  }

  @Test
  void theJudgeTakesItsWebStepsThenReturnsItsAnalysis() {
    String prompt = "The conversation the panel answered:\n[user] " + PROMPT + "\n\n"
        + JudgeModeTest.block("Response A", "Cold weather cuts range. Heat wears cells out.")
        + JudgeModeTest.block("Response B", "Cold weather cuts range. Fast charging matters less than heat.");
    JsonObject plain = choice(JudgeModeTest.judgeRequest("sim/judge", prompt));
    JsonObject body = JudgeModeTest.judgeRequest("sim/judge;web_steps=2", prompt)
        .put("tools", new JsonArray().add(fn("web_search", "query")).add(fn("web_fetch", "url")));

    JsonObject first = choice(body);
    List<JsonObject> searches = calls(first);
    assertThat(new JsonObject(searches.get(0).getJsonObject("function").getString("arguments")).getString("query"))
        .contains("battery").doesNotContain("response");
    appendStep(body, message(first), searches, List.of(execute(searches.get(0))));
    JsonObject second = choice(body);
    List<JsonObject> fetches = calls(second);
    appendStep(body, message(second), fetches, List.of(execute(fetches.get(0))));

    JsonObject answer = choice(body);
    assertThat(answer.getString("finish_reason")).isEqualTo("stop");
    JsonObject analysis = new JsonObject(message(answer).getString("content"));
    JudgeModeTest.assertSchemaValid(analysis);
    assertThat(analysis).isEqualTo(new JsonObject(message(plain).getString("content")));
  }

  @Test
  void openRouterServerToolsRunInsideTheProviderAndAreCounted() {
    JsonArray serverTools = new JsonArray().add(new JsonObject().put("type", "openrouter:web_search"))
        .add(new JsonObject().put("type", "openrouter:web_fetch"));
    var r = chat(chatBody("sim/alpha;web_steps=3", PROMPT).put("tools", serverTools));
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = r.bodyAsJsonObject();
    JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
    assertThat(choice.getString("finish_reason")).isEqualTo("stop");
    assertThat(message(choice).containsKey("tool_calls")).isFalse();
    String url = sim.rootUrl() + "/web/electric-car-battery-range";
    String content = message(choice).getString("content");
    assertThat(content).endsWith("Source: " + url);
    JsonObject citation = message(choice).getJsonArray("annotations").getJsonObject(0);
    assertThat(citation.getString("type")).isEqualTo("url_citation");
    JsonObject cited = citation.getJsonObject("url_citation");
    assertThat(cited.getString("url")).isEqualTo(url);
    assertThat(content.substring(cited.getInteger("start_index"), cited.getInteger("end_index"))).isEqualTo(url);
    JsonObject use = body.getJsonObject("usage").getJsonObject("server_tool_use");
    assertThat(use.getInteger("web_search_requests")).isEqualTo(2);
    assertThat(use.getInteger("web_fetch_requests")).isEqualTo(1);

    // Without web_steps the provider's model does not search.
    JsonObject plain = chat(chatBody("sim/alpha", PROMPT).put("tools", serverTools)).bodyAsJsonObject();
    assertThat(plain.getJsonObject("usage").containsKey("server_tool_use")).isFalse();
    // A named function wins over the server tools, and "none" runs none of them.
    JsonObject named = chatBody("sim/alpha;web_steps=3", PROMPT).put("tools", serverTools.copy().add(fn("lookup", "q")))
        .put("tool_choice", new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "lookup")));
    JsonObject call = chat(named).bodyAsJsonObject();
    assertThat(call.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getJsonArray("tool_calls")
        .getJsonObject(0).getJsonObject("function").getString("name")).isEqualTo("lookup");
    assertThat(call.getJsonObject("usage").containsKey("server_tool_use")).isFalse();
    JsonObject none = chat(chatBody("sim/alpha;web_steps=3", PROMPT).put("tools", serverTools)
        .put("tool_choice", "none")).bodyAsJsonObject();
    assertThat(none.getJsonObject("usage").containsKey("server_tool_use")).isFalse();
  }
}
