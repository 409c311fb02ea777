package dev.fusion.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fusion batch prompts.jsonl -o results.jsonl}: uploads a JSONL file as a batch, shows live
 * progress on stderr and appends results to the output as they finish. Rerunning with the same output
 * resumes: it re-attaches to the batch it started (remembered next to the output) or, if that is gone,
 * submits only the lines whose custom IDs are not in the output yet.
 */
@Command(name = "batch", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    description = {
        "Run a JSONL file of prompts through fusion as a batch and collect the results.",
        "",
        "Each line is either the shorthand",
        "  {\"custom_id\": \"q1\", \"prompt\": \"...\"}",
        "or an OpenAI Batch line",
        "  {\"custom_id\": \"q1\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\",",
        "   \"body\": {\"model\": \"fusion\", \"messages\": [...],",
        "            \"plugins\": [{\"id\": \"fusion\", \"analysis_models\": [...]}]}}",
        "",
        "Results are appended to the output, one JSON line per custom_id, as they finish",
        "(--order input: in the input's order, holding back what finished early).",
        "Interrupt it any time and run the same command again: it picks up where it",
        "stopped, and custom IDs already in the output are skipped.",
        ""},
    footer = {"", "Examples:",
        "  fusion batch prompts.jsonl -o results.jsonl",
        "  fusion batch prompts.jsonl -o out.jsonl --models sim/alpha,sim/beta",
        "  fusion batch prompts.jsonl -o out.jsonl --order input",
        "  FUSION_API_KEY=... fusion batch in.jsonl -o out.jsonl --url https://fusion.example.com"})
public final class BatchCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "INPUT", description = "JSONL file, one request per line")
  Path input;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE",
      description = "where results go (JSONL, appended; also the resume point)")
  Path output;

  @Mixin
  ServerOptions server;

  @Mixin
  OutputOptions terminal;

  @Mixin
  ModelChoice choice;

  @Option(names = "--temperature", description = "temperature for lines that set none")
  Double temperature;

  @Option(names = "--poll-ms", defaultValue = "1000", description = "how often to check progress (default: ${DEFAULT-VALUE} ms)")
  long pollMs;

  /** The order results are written in. */
  enum Order { completion, input }

  @Option(names = "--order", defaultValue = "completion", paramLabel = "ORDER",
      description = {"completion (default): each result as soon as it is finished;",
          "input: in the input's order, holding back results that finished before an earlier line's"})
  Order order;

  @Option(names = "--quiet", description = "no progress bar")
  boolean quiet;

  public PrintStream err = System.err;
  /** Where FUSION_URL, FUSION_HTTP_PORT, FUSION_API_KEY and COLUMNS are read (tests pass their own). */
  public Map<String, String> env = System.getenv();

  private int width;
  /** Set with --order input: what holds results back until the lines before them are written. */
  private InputOrder inputOrder;

  @Override
  public Integer call() throws Exception {
    width = terminal.width(env);
    if (!Files.isRegularFile(input)) {
      err.println("fusion batch: no such file: " + input);
      return 2;
    }
    CliHttp http;
    try {
      http = server.http(env);
    } catch (ServerOptions.BadServer e) {
      err.println(TextWrap.wrap("fusion batch: " + e.getMessage(), width));
      return 2;
    }
    Path sidecar = output.resolveSibling(output.getFileName() + ".batch");
    try (ResultsFile results = new ResultsFile(output)) {
      if (order == Order.input) {
        inputOrder = new InputOrder(customIdsToWrite(results));
      }
      String batchId = attach(http, sidecar);
      if (batchId == null) {
        batchId = submit(http, results, sidecar);
        if (batchId == null) {
          return 0;
        }
      } else {
        err.println("Resuming batch " + batchId + " (" + results.size() + " results already in " + output + ")");
      }
      return follow(http, batchId, results, sidecar);
    } catch (CliHttp.CliException e) {
      err.println("\n" + TextWrap.wrap("fusion batch: " + e.getMessage(), width));
      return 1;
    } catch (CliHttp.Unreachable e) {
      err.println("\n" + TextWrap.wrap("fusion batch: " + e.getMessage(), width));
      return 1;
    } catch (IOException e) {
      err.println("\n" + TextWrap.wrap("fusion batch: " + e, width));
      return 1;
    }
  }

  /** The input's custom IDs in order (first occurrences), minus those the output already has. */
  private List<String> customIdsToWrite(ResultsFile results) throws IOException {
    List<String> ids = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(input)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        String id = customId(line);
        if (id != null && !results.contains(id)) {
          ids.add(id);
        }
      }
    }
    return ids;
  }

  /** The batch a previous run started, if it still exists and can still deliver. */
  private String attach(CliHttp http, Path sidecar) throws IOException, InterruptedException {
    if (!Files.exists(sidecar)) {
      return null;
    }
    String id = Files.readString(sidecar).trim();
    try {
      JsonNode batch = http.getJson("/v1/batches/" + id);
      // A failed or cancelled batch will not deliver the missing lines: submit them anew instead.
      String status = batch.path("status").asText();
      return status.equals("failed") || status.equals("cancelled") ? null : id;
    } catch (CliHttp.CliException e) {
      if (e.status == 404) {
        return null;
      }
      throw e;
    }
  }

  private String submit(CliHttp http, ResultsFile results, Path sidecar) throws IOException, InterruptedException {
    Path upload = input;
    long skipped = 0;
    if (results.size() > 0) {
      // Resume without the old batch: send only the lines whose custom IDs are not in the output.
      upload = Files.createTempFile("fusion-batch", ".jsonl");
      upload.toFile().deleteOnExit();
      try (BufferedReader in = Files.newBufferedReader(input);
           BufferedWriter out = Files.newBufferedWriter(upload)) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          String id = customId(line);
          if (id != null && results.contains(id)) {
            skipped++;
            continue;
          }
          out.write(line);
          out.newLine();
        }
      }
      if (Files.size(upload) == 0) {
        err.println("Nothing to do: every line's custom_id is already in " + output + ".");
        Files.deleteIfExists(sidecar);
        return null;
      }
    }
    JsonNode batch = http.postFile("/v1/batches" + query(), upload);
    String id = batch.path("id").asText();
    Files.writeString(sidecar, id + "\n");
    err.printf("Batch %s: %,d lines accepted%s%n", id, batch.path("request_counts").path("total").asLong(),
        skipped > 0 ? String.format(" (%,d skipped: already in %s)", skipped, output) : "");
    long invalid = batch.path("invalid_lines").asLong();
    if (invalid > 0) {
      err.printf("%,d line(s) rejected%s:%n", invalid, skipped > 0 ? " (line numbers of the resubmitted lines)" : "");
      for (JsonNode e : batch.path("errors").path("data")) {
        err.printf("  line %d: %s (%s)%n", e.path("line").asLong(), e.path("message").asText(), e.path("code").asText());
      }
    }
    return id;
  }

  private int follow(CliHttp http, String id, ResultsFile results, Path sidecar)
      throws IOException, InterruptedException {
    while (true) {
      JsonNode batch = http.getJson("/v1/batches/" + id);
      if (inputOrder != null) {
        skipRejectedLines(batch, results);
      }
      fetchResults(http, id, results);
      String status = batch.path("status").asText();
      JsonNode c = batch.path("request_counts");
      if (!quiet) {
        Long eta = batch.path("eta_seconds").isNumber() ? batch.path("eta_seconds").asLong() : null;
        String held = inputOrder != null && inputOrder.heldBack() > 0
            ? String.format("  held back %,d", inputOrder.heldBack()) : "";
        err.print("\r" + ProgressBar.fitted(status + held, c.path("total").asLong(), c.path("completed").asLong(),
            c.path("failed").asLong(), c.path("in_flight").asLong(), batch.path("rate_per_second").asDouble(), eta,
            width));
        err.flush();
      }
      if (status.equals("completed") || status.equals("cancelled") || status.equals("failed")) {
        fetchResults(http, id, results);
        if (inputOrder != null) {
          for (JsonNode result : inputOrder.drain()) {
            results.append(result);
          }
          results.flush();
        }
        err.printf("%nBatch %s %s: %,d completed, %,d failed; %,d results in %s%n", id, status,
            c.path("completed").asLong(), c.path("failed").asLong(), results.size(), output);
        Files.deleteIfExists(sidecar);
        return status.equals("completed") ? 0 : 1;
      }
      Thread.sleep(pollMs); // pacing of a poll loop, not synchronisation
    }
  }

  private void fetchResults(CliHttp http, String id, ResultsFile results) throws IOException, InterruptedException {
    HttpResponse<InputStream> response = http.stream("/v1/batches/" + id + "/results", "application/jsonl");
    if (response == null) {
      throw new CliHttp.CliException(404, "batch " + id + " has no results endpoint");
    }
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode result = Json.tree(line);
        // A line that never ran (the batch was cancelled) is not a result: leave it for a rerun.
        boolean neverRan = "batch_cancelled".equals(result.path("error").path("code").asText());
        if (inputOrder == null) {
          if (!neverRan) {
            results.append(result);
          }
        } else if (!results.contains(result.path("custom_id").asText())) {
          write(results, neverRan ? inputOrder.skip(result.path("custom_id").asText()) : inputOrder.accept(result));
        }
      }
    }
    results.flush();
  }

  /** Lines the server rejected get no result: later lines need not wait for them (--order input). */
  private void skipRejectedLines(JsonNode batch, ResultsFile results) throws IOException {
    for (JsonNode e : batch.path("errors").path("data")) {
      // A duplicate's first line runs under that custom ID, so only other rejections free their ID.
      if (e.hasNonNull("custom_id") && !"duplicate_custom_id".equals(e.path("code").asText())) {
        write(results, inputOrder.skip(e.path("custom_id").asText()));
      }
    }
  }

  private static void write(ResultsFile results, List<JsonNode> lines) throws IOException {
    for (JsonNode line : lines) {
      results.append(line);
    }
  }

  private String query() {
    List<String> params = new ArrayList<>();
    if (choice.hasPanel()) {
      params.add("analysis_models=" + enc(String.join(",", choice.models)));
    }
    if (choice.judge != null) {
      params.add("model=" + enc(choice.judge));
    }
    if (choice.synthesizer != null) {
      params.add("synthesizer=" + enc(choice.synthesizer));
    }
    if (temperature != null) {
      params.add("temperature=" + temperature);
    }
    return params.isEmpty() ? "" : "?" + String.join("&", params);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String customId(String line) {
    try {
      JsonNode id = Json.tree(line).get("custom_id");
      return id == null ? null : id.asText();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
