package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.launcher.cli.AskCommand;
import dev.fusion.launcher.cli.BatchCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * How the CLI finds the server ({@code --url}, else {@code FUSION_URL}, else {@code FUSION_HTTP_PORT},
 * else port 8080), what it says when nothing answers there, and that its output fits the terminal.
 */
class CliServerEndToEndTest extends SharedPipelineTestBase {
  /** One run of {@code fusion ask}: exit code, stdout, stderr. */
  private record Run(int code, String out, String err) {}

  private static Run ask(Map<String, String> env, String... args) {
    AskCommand ask = new AskCommand();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ask.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    ask.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    ask.env = env;
    int code = new CommandLine(ask).execute(args);
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void askFindsTheServerOnFusionHttpPortAndThroughFusionUrl() {
    Run byPort = ask(Map.of("FUSION_HTTP_PORT", Integer.toString(stack.httpPort())), "--models", "sim/alpha",
        "Why", "is", "the", "sea", "salty?");
    assertThat(byPort.code()).as(byPort.err()).isZero();
    assertThat(byPort.out()).contains("✓ sim/alpha answered", "completed · sim/writer");

    // FUSION_URL wins over FUSION_HTTP_PORT (here a port nothing listens on).
    Run byUrl = ask(Map.of("FUSION_URL", "http://127.0.0.1:" + stack.httpPort(), "FUSION_HTTP_PORT", "1"),
        "--models", "sim/beta", "--json", "Why is the sky blue?");
    assertThat(byUrl.code()).as(byUrl.err()).isZero();
    assertThat(byUrl.out()).contains("\"status\":\"completed\"");
  }

  @Test
  void anUnreachableServerIsReportedWithTheUrlTriedAndHowToChangeIt() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    Run run = ask(Map.of("FUSION_HTTP_PORT", Integer.toString(closed)), "Hello?");
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err().replace('\n', ' '))
        .contains("cannot reach the Fusion server at http://localhost:" + closed + " (from FUSION_HTTP_PORT)")
        .contains("--url", "FUSION_URL", "FUSION_HTTP_PORT");
    assertThat(run.err()).doesNotContain("Exception", "\tat ");
    assertThat(run.out()).isEmpty();

    // --url wins over the environment, and is named as the setting tried; batch says the same.
    BatchCommand batch = new BatchCommand();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    batch.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    batch.env = Map.of("FUSION_URL", "http://127.0.0.1:" + stack.httpPort());
    Path dir = PipelineHarness.tempDir();
    Files.writeString(dir.resolve("in.jsonl"), "{\"custom_id\":\"a\",\"prompt\":\"Hi\"}\n");
    int code = new CommandLine(batch).execute(dir.resolve("in.jsonl").toString(), "-o", dir.resolve("out.jsonl").toString(),
        "--url", "http://127.0.0.1:" + closed);
    String text = err.toString(StandardCharsets.UTF_8).replace('\n', ' ');
    assertThat(code).isEqualTo(1);
    assertThat(text).contains("cannot reach the Fusion server at http://127.0.0.1:" + closed + " (from --url)")
        .doesNotContain("Exception");
  }

  @Test
  void aBadUrlSettingIsAUsageErrorNamingTheSetting() {
    Run run = ask(Map.of("FUSION_URL", "localhost:8080"), "Hello?");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("FUSION_URL", "localhost:8080").doesNotContain("Exception");
  }

  @Test
  void theOutputFitsTheTerminalWidthWithoutSplittingWords() {
    Run run = ask(Map.of("COLUMNS", "200"), "--url", "http://127.0.0.1:" + stack.httpPort(), "--width", "44",
        "--models", "sim/alpha,sim/beta", "What", "limits", "the", "battery", "life", "of", "electric", "cars?");
    assertThat(run.code()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines).allSatisfy(line -> assertThat(line.codePointCount(0, line.length())).as(line)
        .isLessThanOrEqualTo(44));
    // The answer wrapped, its words whole: the same words as the server's answer, in the same order.
    String shown = run.out().substring(run.out().indexOf("Answer:\n") + 8, run.out().lastIndexOf("\n\ncompleted"));
    assertThat(shown.lines().count()).isGreaterThan(1);
    assertThat(serverAnswerWithTheSameWords(shown)).as("a job's answer with the words shown").isNotNull();
  }

  /** The answer of the newest job whose answer has the same words as {@code shown}, or null. */
  private static String serverAnswerWithTheSameWords(String shown) {
    List<String> words = Arrays.asList(shown.strip().split("\\s+"));
    try {
      for (var job : harness.getJson(stack, "/v1/jobs?status=completed&limit=10").path("data")) {
        String answer = harness.getJson(stack, "/v1/jobs/" + job.path("id").asText()).path("result").path("answer")
            .asText();
        if (Arrays.asList(answer.strip().split("\\s+")).equals(words)) {
          return answer;
        }
      }
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return null;
  }
}
