package dev.fusion.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The simulator's word handling avoids regular expressions on its hot path; its answers must stay what
 * the regular-expression versions gave, or seeded answers and judge analyses would change.
 */
class WordsTest {
  private static final String ALPHABET = "ab Z.!?\"<>`,;:\t\n\r\f\u000B\u2003\u001C\u0001é-";

  @Test
  void wordsAndSpacingMatchTheRegularExpressionsTheyReplace() {
    Random random = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      String text = randomText(random);
      String stripped = text.strip();
      assertThat(Words.count(stripped)).as("count of [%s]", text)
          .isEqualTo(stripped.isEmpty() ? 0 : stripped.split("\\s+").length);
      assertThat(Words.singleSpaced(text)).as("spacing of [%s]", text).isEqualTo(text.replaceAll("\\s+", " "));
      assertThat(ModelSimulator.pieces(text)).as("pieces of [%s]", text).isEqualTo(regexPieces(text));
      assertThat(AnswerGenerator.topic(text)).as("topic of [%s]", text).isEqualTo(regexTopic(text));
      String general = text.strip().toLowerCase(java.util.Locale.ROOT).replaceAll("\\s+", " ");
      assertThat(ClaimBank.normalize(text)).as("normalized [%s]", text)
          .isEqualTo(general.replaceAll("[.!?;:,]+$", ""));
    }
  }

  @Test
  void sentencesSplitWhereTheJudgesRegularExpressionSplit() {
    Random random = new Random(7);
    java.util.regex.Pattern split = java.util.regex.Pattern.compile("(?<=[.!?])\\s+|[\\r\\n]+");
    for (int i = 0; i < 20_000; i++) {
      String text = randomText(random);
      // The judge skips pieces that are empty after stripping, so only the others must agree.
      assertThat(nonBlank(JudgeAnalyzer.sentences(text))).as("sentences of [%s]", text)
          .isEqualTo(nonBlank(java.util.List.of(split.split(text))));
    }
  }

  @Test
  void aHandWrittenContentChunkIsTheJsonJacksonWrites() throws Exception {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    Random random = new Random(11);
    for (int i = 0; i < 2_000; i++) {
      String piece = randomText(random) + "\u0001\\\u2028";
      String event = ModelSimulator.contentEvent(ModelSimulator.contentEventPrefix("chatcmpl-\"x", 17, "sim/a"),
          ModelSimulator.quoted(piece));
      var expected = mapper.createObjectNode().put("id", "chatcmpl-\"x").put("object", "chat.completion.chunk")
          .put("created", 17L).put("model", "sim/a");
      var choice = expected.putArray("choices").addObject().put("index", 0);
      choice.putObject("delta").put("content", piece);
      choice.putNull("logprobs");
      choice.putNull("finish_reason");
      assertThat(event).isEqualTo("data: " + mapper.writeValueAsString(expected) + "\n\n");
    }
  }

  @Test
  void aHandWrittenCompletionIsTheJsonJacksonWrites() throws Exception {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    Random random = new Random(12);
    for (int i = 0; i < 2_000; i++) {
      int kind = i % 5; // 0 text, 1 tool calls, 2 reasoning, 3 cut to a budget, 4 server tools and citations
      String text = randomText(random) + "\u0001\\\u2028\"";
      java.util.List<ChatRequest.ToolCall> calls = java.util.List.of(
          new ChatRequest.ToolCall("call_" + i, "get_\"weather", "{\"q\":\"" + i + "\"}"),
          new ChatRequest.ToolCall("call_" + i + "b", "web_search", "{}"));
      Completion c = switch (kind) {
        case 1 -> Completion.toolCalls(calls);
        case 2 -> Completion.text(text).withBudget(null, 64);
        case 3 -> Completion.text(text + " and some more words").withBudget(3, 1);
        case 4 -> Completion.text(text).withServerTools(2, 1,
            java.util.List.of(new Completion.Citation("http://h:1/web/x", "T\"x", 1, 3)));
        default -> Completion.text(text);
      };
      String body = c.body("chatcmpl-\"x", 17, "sim/a", 40 + i);

      var expected = mapper.createObjectNode().put("id", "chatcmpl-\"x").put("object", "chat.completion")
          .put("created", 17L).put("model", "sim/a");
      var choice = expected.putArray("choices").addObject().put("index", 0);
      var message = choice.putObject("message").put("role", "assistant");
      int visible;
      if (kind == 1) {
        message.putNull("content");
        var array = message.putArray("tool_calls");
        visible = 0;
        for (ChatRequest.ToolCall t : calls) {
          var call = array.addObject().put("id", t.id()).put("type", "function");
          call.putObject("function").put("name", t.name()).put("arguments", t.arguments());
          visible += 5 + (t.name().length() + 3) / 4 + (t.arguments().length() + 3) / 4;
        }
      } else if (kind == 3) {
        message.put("content", (text + " and some more words").substring(0, 8));
        visible = 2;
      } else {
        message.put("content", text);
        visible = (text.length() + 3) / 4;
      }
      if (kind == 4) {
        var citation = message.putArray("annotations").addObject().put("type", "url_citation")
            .putObject("url_citation");
        citation.put("url", "http://h:1/web/x").put("title", "T\"x").put("start_index", 1).put("end_index", 3);
      }
      choice.putNull("logprobs");
      choice.put("finish_reason", kind == 1 ? "tool_calls" : kind == 3 ? "length" : "stop");
      int reasoning = kind == 2 ? 64 : kind == 3 ? 1 : 0;
      int completionTokens = visible + reasoning;
      var usage = expected.putObject("usage").put("prompt_tokens", 40 + i).put("completion_tokens", completionTokens)
          .put("total_tokens", 40 + i + completionTokens);
      if (reasoning > 0) {
        usage.putObject("completion_tokens_details").put("reasoning_tokens", reasoning);
      }
      if (kind == 4) {
        usage.putObject("server_tool_use").put("web_search_requests", 2).put("web_fetch_requests", 1);
      }
      assertThat(body).isEqualTo(mapper.writeValueAsString(expected));
      assertThat(c.completionTokens()).isEqualTo(completionTokens);
    }
  }

  /** The stream pieces as the simulator cut them with the regex \\S+: three words each. */
  private static java.util.List<String> regexPieces(String text) {
    java.util.List<String> out = new java.util.ArrayList<>();
    if (text.isEmpty()) {
      return out;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\S+").matcher(text);
    int start = 0;
    int words = 0;
    while (m.find()) {
      if (++words == 3) {
        out.add(text.substring(start, m.end()));
        start = m.end();
        words = 0;
      }
    }
    if (start < text.length()) {
      out.add(text.substring(start));
    }
    return out;
  }

  private static java.util.List<String> nonBlank(java.util.List<String> pieces) {
    return pieces.stream().map(String::strip).filter(p -> !p.isEmpty()).toList();
  }

  @Test
  void normalizingASentenceLowerCasesSingleSpacesAndDropsTrailingPunctuation() {
    assertThat(ClaimBank.normalize("  Start  WITH\ttests.\n ")).isEqualTo("start with tests");
  }

  private static String randomText(Random random) {
    int length = random.nextInt(40);
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }

  /** The former implementation of {@link AnswerGenerator#topic}, kept here as the reference. */
  private static String regexTopic(String text) {
    String[] words = text.strip().split("\\s+");
    StringBuilder sb = new StringBuilder();
    int n = 0;
    for (String w : words) {
      String clean = w.replaceAll("[.!?\"<>`]", "");
      if (clean.isEmpty()) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(clean);
      if (++n == 8) {
        break;
      }
    }
    String t = sb.toString();
    while (!t.isEmpty() && ",;:".indexOf(t.charAt(t.length() - 1)) >= 0) {
      t = t.substring(0, t.length() - 1);
    }
    return t.isEmpty() ? "the question" : t;
  }
}
