package dev.fusion.simulator;

import java.util.ArrayList;
import java.util.List;

/**
 * What the model "says": text content, or calls to tools; with the reasoning tokens it spent, the server
 * tools it ran and the sources it cites. Immutable. Its wire forms (the escaped content, the stream's
 * escaped pieces) are built on first use and kept, so a remembered completion is escaped and split once,
 * not on every call.
 */
final class Completion {

  /** A cited source: the characters {@code [start, end)} of the content name {@code url}. */
  record Citation(String url, String title, int start, int end) {}

  /** A completion's stream pieces: each escaped as a JSON string, and the tokens each counts. */
  record StreamPieces(List<String> quoted, int[] tokens) {}

  static final String STOP = "stop";
  static final String TOOL_CALLS = "tool_calls";
  static final String LENGTH = "length";
  /** Tokens a tool call costs besides its name and arguments. */
  private static final int TOKENS_PER_CALL = 5;

  private final String content;
  private final List<ChatRequest.ToolCall> toolCalls;
  private final String finishReason;
  private final int reasoningTokens;
  private final int webSearchRequests;
  private final int webFetchRequests;
  private final List<Citation> citations;
  // Racy but benign: both are immutable and the same whichever thread builds them first.
  private String quotedContent;
  private StreamPieces streamPieces;

  private Completion(String content, List<ChatRequest.ToolCall> toolCalls, String finishReason,
      int reasoningTokens, int webSearchRequests, int webFetchRequests, List<Citation> citations) {
    this.content = content;
    this.toolCalls = toolCalls;
    this.finishReason = finishReason;
    this.reasoningTokens = reasoningTokens;
    this.webSearchRequests = webSearchRequests;
    this.webFetchRequests = webFetchRequests;
    this.citations = citations;
  }

  static Completion text(String content) {
    return new Completion(content, List.of(), STOP, 0, 0, 0, List.of());
  }

  static Completion toolCalls(List<ChatRequest.ToolCall> calls) {
    if (calls.isEmpty()) {
      throw new IllegalArgumentException("a tool-call completion needs calls");
    }
    return new Completion(null, List.copyOf(calls), TOOL_CALLS, 0, 0, 0, List.of());
  }

  /** This text as a simulated provider gives it after running its own web tools. */
  Completion withServerTools(int searches, int fetches, List<Citation> cited) {
    return new Completion(content, toolCalls, finishReason, reasoningTokens, searches, fetches, List.copyOf(cited));
  }

  /**
   * This completion within {@code maxTokens} (null: no limit), after {@code reasoning} tokens of reasoning
   * that count inside the limit: text is cut to what is left (finish reason {@code length}); tool calls
   * that do not fit are not made (empty content, {@code length}).
   */
  Completion withBudget(Integer maxTokens, int reasoning) {
    int spent = maxTokens == null ? reasoning : Math.min(reasoning, maxTokens);
    int room = maxTokens == null ? Integer.MAX_VALUE : maxTokens - spent;
    if (visibleTokens() <= room) {
      if (spent == reasoningTokens) {
        return this;
      }
      Completion same = new Completion(content, toolCalls, finishReason, spent, webSearchRequests,
          webFetchRequests, citations);
      same.quotedContent = quotedContent;
      same.streamPieces = streamPieces;
      return same;
    }
    if (isToolCall()) {
      return new Completion("", List.of(), LENGTH, spent, webSearchRequests, webFetchRequests, List.of());
    }
    String cut = cut(content, room);
    List<Citation> kept = citations.stream().filter(c -> c.end() <= cut.length()).toList();
    return new Completion(cut, List.of(), LENGTH, spent, webSearchRequests, webFetchRequests, kept);
  }

  /** The first {@code tokens} tokens of {@code text} (4 characters each), not splitting a surrogate pair. */
  static String cut(String text, int tokens) {
    long chars = 4L * tokens;
    if (chars >= text.length()) {
      return text;
    }
    int end = (int) chars;
    if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }

  String content() {
    return content;
  }

  List<ChatRequest.ToolCall> toolCallList() {
    return toolCalls;
  }

  boolean isToolCall() {
    return !toolCalls.isEmpty();
  }

  String finishReason() {
    return finishReason;
  }

  int reasoningTokens() {
    return reasoningTokens;
  }

  List<Citation> citations() {
    return citations;
  }

  /** Tokens of what the reply shows: the text, or the calls. */
  int visibleTokens() {
    if (!isToolCall()) {
      return ModelSimulator.tokens(content);
    }
    int n = 0;
    for (ChatRequest.ToolCall c : toolCalls) {
      n += TOKENS_PER_CALL + ModelSimulator.tokens(c.name()) + ModelSimulator.tokens(c.arguments());
    }
    return n;
  }

  int completionTokens() {
    return reasoningTokens + visibleTokens();
  }

  String quotedContent() {
    String q = quotedContent;
    if (q == null) {
      q = ModelSimulator.quoted(content);
      quotedContent = q;
    }
    return q;
  }

  /** The content split into stream pieces, each escaped as a JSON string, with its tokens. */
  StreamPieces streamPieces() {
    StreamPieces p = streamPieces;
    if (p == null) {
      List<String> raw = ModelSimulator.pieces(content);
      List<String> quoted = new ArrayList<>(raw.size());
      int[] tokens = new int[raw.size()];
      for (int i = 0; i < raw.size(); i++) {
        quoted.add(ModelSimulator.quoted(raw.get(i)));
        tokens[i] = ModelSimulator.tokens(raw.get(i));
      }
      p = new StreamPieces(List.copyOf(quoted), tokens);
      streamPieces = p;
    }
    return p;
  }

  // ---------------------------------------------------------------- wire

  /**
   * The whole {@code chat.completion} body, written by hand: the judge's analysis is the largest body the
   * simulator sends, and building a tree for it and serializing the tree was a large share of the
   * simulator's allocation. The same JSON Jackson writes for that tree (tested).
   */
  String body(String id, long created, String model, int promptTokens) {
    StringBuilder out = new StringBuilder(300 + (content == null ? 0 : content.length() * 9 / 8));
    out.append("{\"id\":").append(ModelSimulator.quoted(id))
        .append(",\"object\":\"chat.completion\",\"created\":").append(created)
        .append(",\"model\":").append(ModelSimulator.quoted(model))
        .append(",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
    if (isToolCall()) {
      out.append("null,\"tool_calls\":[");
      for (int i = 0; i < toolCalls.size(); i++) {
        ChatRequest.ToolCall c = toolCalls.get(i);
        out.append(i == 0 ? "" : ",").append("{\"id\":").append(ModelSimulator.quoted(c.id()))
            .append(",\"type\":\"function\",\"function\":{\"name\":").append(ModelSimulator.quoted(c.name()))
            .append(",\"arguments\":").append(ModelSimulator.quoted(c.arguments())).append("}}");
      }
      out.append(']');
    } else {
      out.append(quotedContent());
    }
    if (!citations.isEmpty()) {
      out.append(",\"annotations\":").append(annotationsJson());
    }
    out.append("},\"logprobs\":null,\"finish_reason\":").append(ModelSimulator.quoted(finishReason))
        .append("}],\"usage\":");
    return usageJson(out, promptTokens).append('}').toString();
  }

  /**
   * The usage object: prompt, completion (reasoning included) and total tokens; {@code
   * completion_tokens_details.reasoning_tokens} when the model reasoned; {@code server_tool_use} when the
   * provider ran web tools.
   */
  StringBuilder usageJson(StringBuilder out, int promptTokens) {
    int completion = completionTokens();
    out.append("{\"prompt_tokens\":").append(promptTokens)
        .append(",\"completion_tokens\":").append(completion)
        .append(",\"total_tokens\":").append(promptTokens + completion);
    if (reasoningTokens > 0) {
      out.append(",\"completion_tokens_details\":{\"reasoning_tokens\":").append(reasoningTokens).append('}');
    }
    if (webSearchRequests > 0 || webFetchRequests > 0) {
      out.append(",\"server_tool_use\":{\"web_search_requests\":").append(webSearchRequests)
          .append(",\"web_fetch_requests\":").append(webFetchRequests).append('}');
    }
    return out.append('}');
  }

  /** OpenRouter's {@code url_citation} annotations for the cited sources. */
  String annotationsJson() {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < citations.size(); i++) {
      Citation c = citations.get(i);
      out.append(i == 0 ? "" : ",").append("{\"type\":\"url_citation\",\"url_citation\":{\"url\":")
          .append(ModelSimulator.quoted(c.url())).append(",\"title\":").append(ModelSimulator.quoted(c.title()))
          .append(",\"start_index\":").append(c.start()).append(",\"end_index\":").append(c.end()).append("}}");
    }
    return out.append(']').toString();
  }
}
