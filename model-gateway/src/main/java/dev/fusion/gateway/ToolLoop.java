package dev.fusion.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.Provider;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.WebToolsMode;
import dev.fusion.common.contract.ToolStep;
import dev.fusion.common.contract.Usage;
import dev.fusion.common.logging.JobTrace;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A model call with function tools, run to its text answer: the model is offered the tools; when it calls
 * some, they run concurrently, each result goes back as a {@code tool} message answering its
 * {@code tool_call_id}, and the model is called again — until it answers with text, or has taken
 * {@code maxSteps} tool steps, after which one last call with {@code tool_choice: "none"} obtains the text.
 * Every call goes through the {@link ModelGateway} (limits, retries, fallbacks, cost); the usage of all of
 * them adds up in the result. Stateless between calls: the conversation carries every step.
 */
public final class ToolLoop {
  private final ModelGateway gateway;

  public ToolLoop(ModelGateway gateway) {
    this.gateway = gateway;
  }

  /** The final reply, the usage of every call made, and the tool calls run, in order. */
  public record Outcome(ChatResult reply, Usage usage, List<ToolStep> steps, int modelCalls) {}

  /** The loop failed at a model call: the usage and tool calls until then are still reported. */
  public static final class Failed extends RuntimeException {
    private final ModelCallException cause;
    private final Usage usage;
    private final List<ToolStep> steps;

    Failed(ModelCallException cause, Usage usage, List<ToolStep> steps) {
      super(cause.getMessage(), cause, false, false);
      this.cause = cause;
      this.usage = usage;
      this.steps = List.copyOf(steps);
    }

    public ModelCallException modelFailure() {
      return cause;
    }

    public Usage usage() {
      return usage;
    }

    public List<ToolStep> steps() {
      return steps;
    }
  }

  /**
   * A panel or judge call with the web tools its mode gives it: {@code override} (the job's
   * {@code web_tools}) or else the mode of the provider serving the model. {@code fusion}: Fusion's own
   * tools in this loop; {@code provider}: the provider's server tools in one call (the provider runs the
   * loop); {@code off}, or no tools to offer: one plain call. Fails with {@link Failed} either way.
   */
  public Future<Outcome> call(ChatRequest request, String override, ToolExecutor tools, int maxSteps,
      Consumer<ToolStep> onStep) {
    String mode = override;
    if (mode == null) {
      Provider provider = gateway.config().providerFor(request.model());
      mode = provider == null ? WebToolsMode.OFF : provider.webTools();
    }
    if (WebToolsMode.FUSION.equals(mode) && tools != null && maxSteps > 0) {
      return run(request, tools, maxSteps, onStep);
    }
    ChatRequest single = WebToolsMode.PROVIDER.equals(mode) ? withServerTools(request) : request;
    return gateway.chat(single).transform(ar -> ar.succeeded()
        ? Future.succeededFuture(new Outcome(ar.result(), ar.result().usage(), List.of(), 1))
        : Future.failedFuture(new Failed(asModelFailure(request, ar.cause()), Usage.ZERO, List.of())));
  }

  /** The provider's own web tools (OpenRouter's server tools), beside any tools the request has. */
  static ChatRequest withServerTools(ChatRequest request) {
    ObjectNode extra = request.extra() == null ? Json.object() : request.extra().deepCopy();
    ArrayNode offered = extra.has("tools") && extra.get("tools").isArray()
        ? (ArrayNode) extra.get("tools") : extra.putArray("tools");
    offered.addObject().put("type", SERVER_WEB_SEARCH);
    offered.addObject().put("type", SERVER_WEB_FETCH);
    return new ChatRequest(request.model(), request.messages(), request.temperature(), request.maxCompletionTokens(),
        request.responseFormat(), extra, request.wireMessages());
  }

  /** Steps in a row whose every call met a failed tool service, after which the loop fails. */
  static final int MAX_UNAVAILABLE_STEPS = 2;

  public static final String SERVER_WEB_SEARCH = "openrouter:web_search";
  public static final String SERVER_WEB_FETCH = "openrouter:web_fetch";

  private static ModelCallException asModelFailure(ChatRequest request, Throwable e) {
    return e instanceof ModelCallException m ? m
        : new ModelCallException(request.model(), "internal_error", null, String.valueOf(e.getMessage()), List.of());
  }

  /**
   * Runs {@code request} with {@code tools} offered, at most {@code maxSteps} tool steps; {@code onStep}
   * hears of every tool call as it finishes (on an event loop). Fails with {@link Failed} when a model call
   * fails for good.
   */
  public Future<Outcome> run(ChatRequest request, ToolExecutor tools, int maxSteps, Consumer<ToolStep> onStep) {
    Run run = new Run(request, tools, Math.max(0, maxSteps), onStep);
    run.call(false);
    return run.done.future();
  }

  private final class Run {
    final ChatRequest base;
    final ToolExecutor tools;
    final int maxSteps;
    final Consumer<ToolStep> onStep;
    final ArrayNode messages;
    final List<ToolStep> steps = new ArrayList<>();
    final Promise<Outcome> done = Promise.promise();
    Usage usage = Usage.ZERO;
    int step;
    int calls;
    /** Steps in a row in which every call met a failed service (the search backend down). */
    int unavailableSteps;

    /** The request's own extra fields with the tools offered and {@code tool_choice: "auto"}. */
    final ObjectNode offering;
    /** The work the loop's calls are spans of (later calls start on event loops, outside it). */
    final JobTrace parent = gateway.callParent();

    Run(ChatRequest request, ToolExecutor tools, int maxSteps, Consumer<ToolStep> onStep) {
      this.base = request;
      this.tools = tools;
      this.maxSteps = maxSteps;
      this.onStep = onStep;
      this.messages = request.wireMessages() != null ? request.wireMessages().deepCopy() : wire(request.messages());
      this.offering = request.extra() == null ? Json.object() : request.extra().deepCopy();
      ArrayNode offered = offering.has("tools") && offering.get("tools").isArray()
          ? (ArrayNode) offering.get("tools") : offering.putArray("tools");
      offered.addAll(tools.definitions());
      offering.set("tool_choice", TextNode.valueOf("auto"));
    }

    ObjectNode lastExtra() {
      ObjectNode extra = offering.deepCopy();
      extra.set("tool_choice", TextNode.valueOf("none"));
      return extra;
    }

    void call(boolean last) {
      // The offered tools are the same on every call of the loop; only the choice changes at the end.
      ObjectNode extra = last ? lastExtra() : offering;
      ChatRequest request = new ChatRequest(base.model(), base.messages(), base.temperature(),
          base.maxCompletionTokens(), base.responseFormat(), extra, messages);
      calls++;
      gateway.chat(request, parent).onComplete(ar -> {
        if (ar.failed()) {
          done.fail(new Failed(asModelFailure(base, ar.cause()), usage, steps));
          return;
        }
        ChatResult reply = ar.result();
        usage = usage.plus(reply.usage());
        if (reply.toolCalls().isEmpty() || last) {
          done.complete(new Outcome(reply, usage, steps, calls));
        } else if (step >= maxSteps) {
          call(true); // Out of steps: the model must answer with what it has.
        } else {
          runTools(reply);
        }
      });
    }

    /** One step: every call of the reply runs at once; the model hears all the results together. */
    void runTools(ChatResult reply) {
      step++;
      int thisStep = step;
      ObjectNode assistant = messages.addObject().put("role", "assistant");
      if (reply.content() == null || reply.content().isEmpty()) {
        assistant.putNull("content");
      } else {
        assistant.put("content", reply.content());
      }
      ArrayNode calls = assistant.putArray("tool_calls");
      List<Future<ToolExecutor.Executed>> results = new ArrayList<>();
      for (ToolCall c : reply.toolCalls()) {
        ObjectNode call = calls.addObject().put("id", c.id()).put("type", "function");
        call.putObject("function").put("name", c.name()).put("arguments", c.arguments());
        results.add(tools.execute(c.id(), c.name(), c.arguments())
            // An executor bug must not stop the loop: the model is told, as for any failed tool call.
            .recover(e -> Future.succeededFuture(new ToolExecutor.Executed(
                Json.object().put("error", "the tool failed").toString(), null)))
            .map(executed -> {
          ToolStep s = executed.step() == null ? null : executed.step().atStep(thisStep);
          if (s != null && onStep != null) {
            onStep.accept(s);
          }
          return new ToolExecutor.Executed(executed.content(), s, executed.unavailable());
        }));
      }
      Future.all(results).onComplete(all -> {
        boolean allUnavailable = !results.isEmpty();
        // Results are appended in the order the model made the calls, whatever order they finished in.
        for (int i = 0; i < results.size(); i++) {
          ToolExecutor.Executed r = results.get(i).result();
          messages.addObject().put("role", "tool").put("tool_call_id", reply.toolCalls().get(i).id())
              .put("content", r.content());
          if (r.step() != null) {
            steps.add(r.step());
          }
          allUnavailable &= r.unavailable();
        }
        unavailableSteps = allUnavailable ? unavailableSteps + 1 : 0;
        if (unavailableSteps >= MAX_UNAVAILABLE_STEPS) {
          // The tools' service is down for good: the member fails with a typed reason instead of spending
          // its steps on calls that cannot work.
          String error = results.get(results.size() - 1).result().step() == null ? "the web tools failed"
              : results.get(results.size() - 1).result().step().error();
          done.fail(new Failed(new ModelCallException(base.model(), FailureReasons.WEB_TOOLS_UNAVAILABLE, null,
              "the web tools were unavailable for " + unavailableSteps + " steps in a row: " + error, List.of()),
              usage, steps));
          return;
        }
        // After the last allowed step the model is asked for its text at once, with no more tools.
        call(step >= maxSteps);
      });
    }
  }

  static ArrayNode wire(List<ChatMessage> messages) {
    ArrayNode wire = Json.MAPPER.createArrayNode();
    for (ChatMessage m : messages) {
      wire.addObject().put("role", m.role()).put("content", m.content());
    }
    return wire;
  }
}
