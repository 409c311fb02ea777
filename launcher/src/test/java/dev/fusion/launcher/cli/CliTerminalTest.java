package dev.fusion.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CLI's terminal-facing parts without a server: which server it talks to, text fitted to the
 * terminal's width, the batch progress line, and the input-order hold-back of {@code --order input}.
 */
class CliTerminalTest {
  @Test
  void theServerIsTheUrlOptionElseFusionUrlElseTheHttpPortElse8080() {
    Map<String, String> env = Map.of("FUSION_URL", "http://fusion.example:9000/", "FUSION_HTTP_PORT", "8181");
    assertThat(ServerOptions.resolve("http://other:1", env))
        .isEqualTo(new ServerOptions.Server("http://other:1", "--url"));
    assertThat(ServerOptions.resolve(null, env))
        .isEqualTo(new ServerOptions.Server("http://fusion.example:9000/", "FUSION_URL"));
    assertThat(ServerOptions.resolve(null, Map.of("FUSION_HTTP_PORT", "8181")))
        .isEqualTo(new ServerOptions.Server("http://localhost:8181", "FUSION_HTTP_PORT"));
    assertThat(ServerOptions.resolve(null, Map.of("FUSION_URL", " ")))
        .isEqualTo(new ServerOptions.Server("http://localhost:8080", "the default"));
  }

  @Test
  void aSettingThatNamesNoServerIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> ServerOptions.resolve(null, Map.of("FUSION_HTTP_PORT", "80a")))
        .isInstanceOf(ServerOptions.BadServer.class).hasMessageContaining("FUSION_HTTP_PORT").hasMessageContaining("80a");
    assertThatThrownBy(() -> ServerOptions.resolve(null, Map.of("FUSION_HTTP_PORT", "70000")))
        .isInstanceOf(ServerOptions.BadServer.class);
    assertThatThrownBy(() -> ServerOptions.resolve(null, Map.of("FUSION_URL", "localhost:8080")))
        .isInstanceOf(ServerOptions.BadServer.class).hasMessageContaining("FUSION_URL").hasMessageContaining("http://");
    assertThatThrownBy(() -> ServerOptions.resolve("http://bad host", Map.of()))
        .isInstanceOf(ServerOptions.BadServer.class).hasMessageContaining("--url");
  }

  @Test
  void theWidthIsTheOptionElseColumnsElse80() {
    OutputOptions options = new OutputOptions();
    assertThat(options.width(Map.of())).isEqualTo(80);
    assertThat(options.width(Map.of("COLUMNS", "132"))).isEqualTo(132);
    assertThat(options.width(Map.of("COLUMNS", "wide"))).isEqualTo(80);
    options.width = 40;
    assertThat(options.width(Map.of("COLUMNS", "132"))).isEqualTo(40);
  }

  @Test
  void proseWrapsAtWordBoundariesAndKeepsItsWordsAndParagraphs() {
    String text = "Battery life is limited mainly by the chemistry of the cells, by temperature and by how fast"
        + " they are charged.\n\n  Indented: a second paragraph with a word that is far too long for any line:"
        + " https://example.com/a/very/long/path/that/cannot/break/anywhere";
    String wrapped = TextWrap.wrap(text, 30);
    for (String line : wrapped.split("\n")) {
      assertThat(line.codePointCount(0, line.length())).as(line).isLessThanOrEqualTo(30);
    }
    // No word is split, except the one longer than a line; paragraphs and indentation stay.
    List<String> words = new ArrayList<>(Arrays.asList(text.split("\\s+")));
    words.remove("https://example.com/a/very/long/path/that/cannot/break/anywhere");
    assertThat(Arrays.asList(wrapped.split("\\s+"))).containsAll(words);
    assertThat(wrapped).contains("charged.\n\n  Indented:");
    assertThat(wrapped.replaceAll("\\s+", "")).isEqualTo(text.replaceAll("\\s+", ""));
  }

  @Test
  void streamedChunksWrapExactlyLikeTheWholeText() {
    String text = "Tides come from the Moon's gravity pulling on the oceans, with the Sun adding spring and"
        + " neap tides twice a month; local coastlines shape them further.";
    TextWrap streaming = new TextWrap(25);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); i += 7) {
      out.append(streaming.feed(text.substring(i, Math.min(text.length(), i + 7))));
    }
    out.append(streaming.finish());
    assertThat(out.toString()).isEqualTo(TextWrap.wrap(text, 25));
    assertThat(TextWrap.wrap(text, 0)).isEqualTo(text);
  }

  @Test
  void snippetsAreClippedToOneLineOfTheWidth() {
    AskView view = new AskView(60);
    String line = view.event("response.fusion_call.panel.completed", Json.tree(
        "{\"model\":\"sim/alpha\",\"latency_ms\":12,\"content\":\"" + "word ".repeat(40) + "\"}"));
    assertThat(line).endsWith("…\n").startsWith("  ✓ sim/alpha answered in 12 ms: word");
    String shown = line.stripTrailing();
    assertThat(shown).doesNotContain("\n");
    assertThat(shown.codePointCount(0, shown.length())).isEqualTo(60);
    // Where the prefix leaves too little room, a short snippet goes on the next line, still within the width.
    String narrow = new AskView(40).event("response.fusion_call.panel.completed", Json.tree(
        "{\"model\":\"sim/alpha\",\"latency_ms\":12,\"content\":\"" + "word ".repeat(40) + "\"}"));
    assertThat(narrow.lines()).hasSize(2).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(40));
    assertThat(TextWrap.clip("a  b\n c", 10)).isEqualTo("a b c");
  }

  @Test
  void theProgressLineFitsTheTerminal() {
    String wide = ProgressBar.fitted("in_progress", 10_000, 4_180, 30, 200, 12.34, 471L, 200);
    assertThat(wide).startsWith("[" + "#".repeat(13)).contains("ETA 7m51s").hasSize(199);
    String narrow = ProgressBar.fitted("in_progress", 10_000, 4_180, 30, 200, 12.34, 471L, 80);
    assertThat(narrow).hasSize(79).contains("4,210/10,000");
    assertThat(ProgressBar.fitted("in_progress", 10, 1, 0, 1, 1, 1L, 20)).hasSize(19);
  }

  @Test
  void inputOrderHoldsBackWhatFinishedEarlyAndSkipsLinesThatNeverRun() {
    InputOrder order = new InputOrder(List.of("a", "b", "c", "d", "e"));
    assertThat(ids(order.accept(result("c")))).isEmpty();
    assertThat(ids(order.accept(result("b")))).isEmpty();
    assertThat(order.heldBack()).isEqualTo(2);
    assertThat(ids(order.accept(result("a")))).containsExactly("a", "b", "c");
    // The results endpoint answers every finished line again on each call: nothing is released twice.
    assertThat(ids(order.accept(result("b")))).isEmpty();
    assertThat(ids(order.accept(result("e")))).isEmpty();
    assertThat(ids(order.skip("d"))).containsExactly("e");
    assertThat(ids(order.drain())).isEmpty();
  }

  @Test
  void whenTheBatchEndsEverythingHeldIsWrittenInInputOrderThenStrays() {
    InputOrder order = new InputOrder(List.of("a", "b", "c"));
    order.accept(result("c"));
    order.accept(result("zz"));
    order.accept(result("b"));
    assertThat(ids(order.drain())).containsExactly("b", "c", "zz");
  }

  private static JsonNode result(String id) {
    return Json.tree("{\"custom_id\":\"" + id + "\"}");
  }

  private static List<String> ids(List<JsonNode> results) {
    return results.stream().map(r -> r.path("custom_id").asText()).toList();
  }
}
