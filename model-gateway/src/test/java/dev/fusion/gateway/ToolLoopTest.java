package dev.fusion.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.GatewayConfig;
import dev.fusion.common.config.Provider;
import dev.fusion.common.contract.ToolStep;
import dev.fusion.common.contract.WebToolsMode;
import dev.fusion.simulator.RecordedRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tool loop against the simulator over real HTTP: its web-using models ({@code web_steps},
 * {@code web_fanout}) call the tools; a small executor stands in for the web (the web tools have their own
 * tests), so what the model received at each step is what these tests assert on.
 */
class ToolLoopTest extends SimulatorGatewayTestBase {
  private static final String PAGE = "https://example.org/battery-chemistry";

  /** Answers web_search with one result linking {@link #PAGE}, web_fetch with a line of text. */
  static final class FakeWeb implements ToolExecutor {
    final List<String> calls = new CopyOnWriteArrayList<>();
    /** When set, each call waits for the test to complete it, so the order of completion is the test's. */
    final List<Promise<Executed>> held = Collections.synchronizedList(new ArrayList<>());
    boolean hold;

    @Override
    public ArrayNode definitions() {
      ArrayNode tools = Json.MAPPER.createArrayNode();
      for (String name : List.of(ToolStep.WEB_SEARCH, ToolStep.WEB_FETCH)) {
        var fn = tools.addObject().put("type", "function").putObject("function").put("name", name)
            .put("description", name);
        fn.putObject("parameters").put("type", "object").putObject("properties");
      }
      return tools;
    }

    @Override
    public Future<Executed> execute(String callId, String functionName, String arguments) {
      calls.add(functionName + " " + arguments);
      Executed result = ToolStep.WEB_SEARCH.equals(functionName)
          ? new Executed("{\"results\":[{\"title\":\"Battery chemistry\",\"url\":\"" + PAGE + "\"}]}",
              ToolStep.search(0, callId, Json.tree(arguments).path("query").asText(), 1, 3, null))
          : new Executed("{\"url\":\"" + PAGE + "\",\"text\":\"Lithium plating limits fast charging.\"}",
              ToolStep.fetch(0, callId, PAGE, 200, 38L, 4, null));
      if (!hold) {
        return Future.succeededFuture(result);
      }
      Promise<Executed> p = Promise.promise();
      held.add(p);
      return p.future().map(x -> result);
    }
  }

  ModelGateway gateway;
  ToolLoop loop;
  final FakeWeb web = new FakeWeb();
  final List<ToolStep> heard = new CopyOnWriteArrayList<>();
  final Consumer<ToolStep> onStep = heard::add;

  @BeforeEach
  void setUp() {
    gateway = gateway(config(simProvider(0, null), Map.of()));
    loop = new ToolLoop(gateway);
    simulator.clearRequests();
  }

  @Test
  void aModelThatSearchesThenFetchesGetsEachResultAnsweringItsCallAndAnswersCitingThePage() throws Exception {
    // Given a model that takes two tool steps, when it runs with up to 8
    ToolLoop.Outcome out = await(loop.run(ask("sim/alpha;web_steps=2"), web, 8, onStep));

    // Then it searched, fetched the result it found, and answered citing the fetched page
    assertThat(web.calls).hasSize(2);
    assertThat(web.calls.get(0)).startsWith("web_search ");
    assertThat(web.calls.get(1)).startsWith("web_fetch ").contains(PAGE);
    assertThat(out.reply().content()).contains(PAGE);
    assertThat(out.modelCalls()).isEqualTo(3);
    assertThat(out.steps()).extracting(ToolStep::step).containsExactly(1, 2);
    assertThat(out.steps()).extracting(ToolStep::tool).containsExactly(ToolStep.WEB_SEARCH, ToolStep.WEB_FETCH);
    assertThat(heard).containsExactlyElementsOf(out.steps());
    // and the usage is that of all three calls
    assertThat(out.usage().promptTokens()).isGreaterThan(out.reply().usage().promptTokens());

    // And every call offered the tools; the second and third carried the earlier steps as tool turns whose
    // ids answer the calls they follow
    List<RecordedRequest> sent = simulator.requests("sim/alpha");
    assertThat(sent).hasSize(3);
    for (RecordedRequest r : sent) {
      assertThat(r.body().path("tools").findValuesAsText("name")).contains("web_search", "web_fetch");
      assertThat(r.body().path("tool_choice").asText()).isEqualTo("auto");
    }
    JsonNode third = sent.get(2).body().path("messages");
    assertThat(third).hasSize(5); // user, assistant(call), tool, assistant(call), tool
    for (int i : new int[] {1, 3}) {
      String id = third.get(i).path("tool_calls").get(0).path("id").asText();
      assertThat(third.get(i + 1).path("role").asText()).isEqualTo("tool");
      assertThat(third.get(i + 1).path("tool_call_id").asText()).isEqualTo(id);
    }
  }

  @Test
  void outOfStepsTheModelIsAskedOnceMoreWithToolChoiceNoneAndStillAnswersInText() throws Exception {
    // Given a model that would take three steps, when the loop allows one
    ToolLoop.Outcome out = await(loop.run(ask("sim/beta;web_steps=3"), web, 1, onStep));

    // Then one tool step ran, and a last call with tool_choice "none" obtained text
    assertThat(out.steps()).hasSize(1);
    assertThat(out.modelCalls()).isEqualTo(2);
    assertThat(out.reply().toolCalls()).isEmpty();
    assertThat(out.reply().content()).isNotBlank();
    List<RecordedRequest> sent = simulator.requests("sim/beta");
    assertThat(sent).hasSize(2);
    assertThat(sent.get(1).body().path("tool_choice").asText()).isEqualTo("none");
  }

  @Test
  void severalCallsInOneStepRunAtOnceAndTheirResultsFollowInTheOrderTheModelMadeThem() throws Exception {
    // Given a model that makes two searches in its first step, and tools that finish only when told
    web.hold = true;
    Future<ToolLoop.Outcome> running = loop.run(ask("sim/gamma;web_steps=2;web_fanout=2"), web, 8, onStep);

    // When both calls are running at once, and the second finishes first
    org.awaitility.Awaitility.await().until(() -> web.held.size() == 2);
    web.held.get(1).complete();
    web.held.get(0).complete();
    org.awaitility.Awaitility.await().until(() -> web.held.size() == 3);
    web.held.get(2).complete();
    ToolLoop.Outcome out = await(running);

    // Then the model saw both results, in the order of its calls
    JsonNode second = simulator.requests("sim/gamma").get(1).body().path("messages");
    JsonNode calls = second.get(1).path("tool_calls");
    assertThat(calls).hasSize(2);
    assertThat(second.get(2).path("tool_call_id").asText()).isEqualTo(calls.get(0).path("id").asText());
    assertThat(second.get(3).path("tool_call_id").asText()).isEqualTo(calls.get(1).path("id").asText());
    assertThat(out.steps()).extracting(ToolStep::step).containsExactly(1, 1, 2);
  }

  @Test
  void withWebToolsOffTheCallIsOnePlainCallAndWithProviderToolsTheProvidersServerToolsAreOffered()
      throws Exception {
    ToolLoop.Outcome off = await(loop.call(ask("sim/alpha;web_steps=2"), WebToolsMode.OFF, web, 8, onStep));
    assertThat(off.modelCalls()).isEqualTo(1);
    assertThat(web.calls).isEmpty();
    assertThat(simulator.requests("sim/alpha").get(0).body().has("tools")).isFalse();

    simulator.clearRequests();
    ToolLoop.Outcome provider = await(loop.call(ask("sim/alpha;web_steps=2"), WebToolsMode.PROVIDER, web, 8, onStep));
    assertThat(provider.modelCalls()).isEqualTo(1);
    assertThat(web.calls).isEmpty();
    assertThat(simulator.requests("sim/alpha").get(0).body().path("tools").findValuesAsText("type"))
        .containsExactly(ToolLoop.SERVER_WEB_SEARCH, ToolLoop.SERVER_WEB_FETCH);
    assertThat(provider.reply().content()).isNotBlank();
  }

  @Test
  void withoutAnOverrideTheProvidersConfiguredModeDecides() throws Exception {
    Provider off = new Provider("simulator", simulator.baseUrl(), null, null, List.of("sim/"), false, 0, null, false,
        Map.of(), false, WebToolsMode.OFF);
    ToolLoop offLoop = new ToolLoop(gateway(config(off, Map.of())));
    ToolLoop.Outcome out = await(offLoop.call(ask("sim/alpha;web_steps=2"), null, web, 8, onStep));
    assertThat(out.modelCalls()).isEqualTo(1);
    assertThat(web.calls).isEmpty();

    ToolLoop.Outcome fusion = await(loop.call(ask("sim/alpha;web_steps=2"), null, web, 8, onStep));
    assertThat(fusion.modelCalls()).isEqualTo(3);
  }

  @Test
  void aModelCallThatFailsForGoodFailsTheLoopWithItsTypedReason() throws Exception {
    Throwable e = failureOf(loop.run(ask("sim/alpha;web_steps=2;fault=http401"), web, 8, onStep));
    assertThat(e).isInstanceOf(ToolLoop.Failed.class);
    assertThat(((ToolLoop.Failed) e).modelFailure().reason()).isEqualTo("auth_failed");
    assertThat(((ToolLoop.Failed) e).steps()).isEmpty();
    assertThat(web.calls).isEmpty();
  }

  @Test
  void whenTheToolsServiceFailsInEveryCallOfTwoStepsInARowTheLoopFailsWithATypedReason() throws Exception {
    // Given a search service that is down: every search is a failure of the service, not of the call
    ToolExecutor down = new ToolExecutor() {
      @Override
      public ArrayNode definitions() {
        return web.definitions();
      }

      @Override
      public Future<Executed> execute(String callId, String functionName, String arguments) {
        web.calls.add(functionName);
        return Future.succeededFuture(new Executed("{\"error\":\"could not connect to SearXNG\"}",
            ToolStep.search(0, callId, "q", null, 1, "could not connect to SearXNG")).asServiceFailure());
      }
    };
    // When a model keeps searching
    Throwable e = failureOf(loop.run(ask("sim/alpha;web_steps=5"), down, 8, onStep));

    // Then after two such steps the loop ends, typed, with what it did and cost
    assertThat(e).isInstanceOf(ToolLoop.Failed.class);
    ToolLoop.Failed f = (ToolLoop.Failed) e;
    assertThat(f.modelFailure().reason()).isEqualTo("web_tools_unavailable");
    assertThat(f.modelFailure().getMessage()).contains("could not connect to SearXNG");
    assertThat(f.steps()).hasSize(2);
    assertThat(f.usage().promptTokens()).isPositive();
    assertThat(web.calls).hasSize(2);
  }

  private static Throwable failureOf(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      return e;
    }
    throw new AssertionError("the loop succeeded but was expected to fail");
  }
}
