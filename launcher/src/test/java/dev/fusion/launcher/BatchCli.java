package dev.fusion.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.launcher.cli.BatchCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * {@code fusion batch} as the CLI tests run it: a file of prompts in a fresh directory, the output
 * beside it, and the command line that runs the one into the other against a stack, checking progress
 * every 50 ms.
 */
record BatchCli(Path input, Path output, String[] args) {

  /** Writes {@code lines} to a new prompts file; the command runs them on {@code models} ({@code --models}). */
  static BatchCli against(FusionStack stack, String lines, String models) throws IOException {
    Path dir = PipelineHarness.tempDir();
    Path input = dir.resolve("prompts.jsonl");
    Path output = dir.resolve("results.jsonl");
    Files.writeString(input, lines);
    return new BatchCli(input, output, new String[] {input.toString(), "-o", output.toString(),
        "--url", "http://127.0.0.1:" + stack.httpPort(), "--poll-ms", "50", "--models", models});
  }

  /** Where the command remembers the batch it started, beside the output. */
  Path sidecar() {
    return output.resolveSibling(output.getFileName() + ".batch");
  }

  /**
   * Runs the command in this thread to its end, with {@code moreArgs} after the usual ones: its exit code.
   * Everything it writes to standard error lands in {@code err}, picocli's report of a failure (such as
   * the interrupt the tests send) included.
   */
  int run(ByteArrayOutputStream err, String... moreArgs) {
    BatchCommand batch = new BatchCommand();
    batch.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    return new CommandLine(batch).setErr(new PrintWriter(batch.err, true))
        .execute(Stream.concat(Arrays.stream(args), Arrays.stream(moreArgs)).toArray(String[]::new));
  }

  /** The results file's complete lines so far (one being written right now is left out). */
  static List<JsonNode> results(Path file) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank() && line.endsWith("}")) {
        try {
          out.add(Json.tree(line));
        } catch (RuntimeException e) {
          // a line being written right now
        }
      }
    }
    return out;
  }
}
