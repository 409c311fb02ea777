package dev.fusion.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fusion ask "question"}: submits one deliberation and follows it live — the event stream
 * ({@code GET /v1/jobs/{id}/events}, server-sent events) where the server has it, otherwise by polling
 * {@code GET /v1/jobs/{id}}.
 */
@Command(name = "ask", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    description = {"Ask the fusion panel one question and watch the deliberation live.",
        "Shows each panel model as it answers, a compact view of the judge's analysis,",
        "then the final answer.", ""},
    footer = {"", "Examples:",
        "  fusion ask \"What limits the battery life of electric cars?\"",
        "  fusion ask --models sim/alpha,sim/beta --judge sim/judge \"Is P = NP?\"",
        "  fusion ask --json \"...\" | jq .result.analysis"})
public final class AskCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "QUESTION", description = "the question (words are joined)")
  List<String> question;

  @Mixin
  ServerOptions server;

  @Mixin
  OutputOptions output;

  @Mixin
  ModelChoice choice;

  @Option(names = "--system", description = "a system message")
  String system;

  @Option(names = "--json", description = "print only the finished job as JSON")
  boolean json;

  @Option(names = "--poll", description = "poll instead of streaming events")
  boolean poll;

  public PrintStream out = System.out;
  public PrintStream err = System.err;
  /** Where FUSION_URL, FUSION_HTTP_PORT, FUSION_API_KEY and COLUMNS are read (tests pass their own). */
  public Map<String, String> env = System.getenv();

  @Override
  public Integer call() throws Exception {
    int width = output.width(env);
    CliHttp http;
    try {
      http = server.http(env);
    } catch (ServerOptions.BadServer e) {
      err.println(TextWrap.wrap("fusion ask: " + e.getMessage(), width));
      return 2;
    }
    try {
      var body = Json.object();
      var messages = body.putArray("messages");
      if (system != null) {
        messages.addObject().put("role", "system").put("content", system);
      }
      messages.addObject().put("role", "user").put("content", String.join(" ", question));
      if (choice.hasPanel()) {
        var panel = body.putArray("analysis_models");
        choice.models.forEach(panel::add);
      }
      if (choice.judge != null) {
        body.put("model", choice.judge);
      }
      if (choice.synthesizer != null) {
        body.put("synthesizer", choice.synthesizer);
      }
      String id = http.postJson("/v1/jobs", Json.toString(body)).path("id").asText();
      AskView view = new AskView(width);
      if (!json) {
        err.println("Job " + id);
      }
      if (!json && !poll && streamEvents(http, id, view)) {
        JsonNode job = http.getJson("/v1/jobs/" + id);
        out.print(view.tail(job));
        return "completed".equals(job.path("status").asText()) ? 0 : 1;
      }
      JsonNode job = awaitTerminal(http, id);
      out.print(json ? Json.toString(job) + "\n" : view.finished(job));
      return "completed".equals(job.path("status").asText()) ? 0 : 1;
    } catch (CliHttp.CliException e) {
      err.println(TextWrap.wrap("fusion ask: " + e.getMessage(), width));
      return 1;
    } catch (CliHttp.Unreachable e) {
      err.println(TextWrap.wrap("fusion ask: " + e.getMessage(), width));
      return 1;
    } catch (IOException e) {
      err.println(TextWrap.wrap("fusion ask: " + e, width));
      return 1;
    }
  }

  /** Follows the SSE stream to the terminal event; false if the server has no events endpoint. */
  private boolean streamEvents(CliHttp http, String id, AskView view) throws IOException, InterruptedException {
    HttpResponse<InputStream> response = http.stream("/v1/jobs/" + id + "/events", "text/event-stream");
    if (response == null) {
      return false;
    }
    try (var body = response.body()) {
      renderEventStream(new InputStreamReader(body, StandardCharsets.UTF_8), view, out);
    }
    return true;
  }

  /**
   * Renders a server-sent event stream ({@code event:} the event type, {@code data:} the event JSON)
   * until the job's terminal event; true if that event was seen.
   */
  public static boolean renderEventStream(java.io.Reader source, AskView view, PrintStream out) throws IOException {
    BufferedReader reader = new BufferedReader(source);
    StringBuilder data = new StringBuilder();
    String type = null;
    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
      if (line.startsWith("event:")) {
        type = line.substring(6).trim();
      } else if (line.startsWith("data:")) {
        data.append(line.substring(5).trim());
      } else if (line.isEmpty() && data.length() > 0) {
        JsonNode event = Json.tree(data.toString());
        String t = type != null ? type : event.path("type").asText();
        out.print(view.event(t, event.has("data") ? event.path("data") : event));
        out.flush();
        data.setLength(0);
        type = null;
        if (t.equals("response.completed") || t.equals("response.failed")) {
          return true;
        }
      }
    }
    return false;
  }

  private JsonNode awaitTerminal(CliHttp http, String id) throws IOException, InterruptedException {
    String last = "";
    while (true) {
      JsonNode job = http.getJson("/v1/jobs/" + id);
      String status = job.path("status").asText();
      if (!json && !status.equals(last)) {
        err.println("  " + status);
        last = status;
      }
      if (status.equals("completed") || status.equals("failed")) {
        return job;
      }
      Thread.sleep(200); // pacing of a poll loop, not synchronisation
    }
  }
}
