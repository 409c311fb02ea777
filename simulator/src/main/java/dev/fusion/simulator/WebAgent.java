package dev.fusion.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a simulated model uses web tools ({@code web_steps=N}). Stateless: what the model does next is read
 * from the conversation, so a client that runs the tools and calls again drives the loop.
 *
 * <p>With the function tools {@code web_search} and {@code web_fetch} offered, the model takes N tool steps
 * and then answers. Step 1 searches for the last user message's keywords ({@code web_fanout=K}: K searches
 * at once, with distinct queries); after a search step it fetches the first URL of the latest search
 * results it has not fetched yet, after a fetch step it searches again, so steps alternate; when a search
 * found nothing to fetch (no results, or an error) it searches again, with another query. The steps taken are the
 * assistant messages with tool calls after the last user message. The answer cites every page fetched
 * ("Source: URL") and notes every tool result that was an error ({@code {"error": ...}}). {@code
 * tool_choice: "none"} answers at once; {@code "required"} or naming a web tool takes a step even past N.
 *
 * <p>With the server tools {@code openrouter:web_search} / {@code openrouter:web_fetch}, the simulated
 * provider runs the N steps itself against the built-in corpus and answers once, citing the best page.
 */
final class WebAgent {

  static final String WEB_SEARCH = "web_search";
  static final String WEB_FETCH = "web_fetch";
  private static final int QUERY_WORDS = 6;
  private static final int MAX_NOTE_CHARS = 200;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** A URL in a tool result, whatever the result's format: up to a quote, bracket, space or backslash. */
  private static final Pattern URL = Pattern.compile("https?://[^\\s\"'<>()\\[\\]{}\\\\,]+");
  /** Words added to the query so that every search of a loop asks something different. */
  private static final List<String> QUERY_ANGLES =
      List.of("", "overview", "evidence", "history", "criticism", "statistics", "examples", "latest");

  private WebAgent() {}

  /** What the model does now: calls (a step), or an answer with its sources and notes. */
  record Decision(List<ChatRequest.ToolCall> calls, List<String> sources, List<String> notes) {
    boolean answers() {
      return calls.isEmpty();
    }
  }

  /**
   * True when a {@code web_steps} model works its web loop on this request: both web function tools are
   * offered and {@code tool_choice} names no other function.
   */
  static boolean applies(ChatRequest req) {
    String forced = req.forcedFunction();
    return req.functions.containsKey(WEB_SEARCH) && req.functions.containsKey(WEB_FETCH)
        && (forced == null || forced.equals(WEB_SEARCH) || forced.equals(WEB_FETCH));
  }

  /**
   * The next move of a model with {@code steps} web steps and {@code fanout} first searches.
   *
   * @param idSeed makes the call ids of this request unique
   * @param root the simulator's own {@code http://host:port}, for a page the model fetches unsearched
   */
  static Decision next(ChatRequest req, int steps, int fanout, long idSeed, String root) {
    Transcript t = Transcript.read(req);
    String mode = req.toolChoiceMode();
    String forced = req.forcedFunction();
    boolean mustCall = mode.equals("required") || forced != null;
    if (mode.equals("none") || (t.steps >= steps && !mustCall)) {
      return new Decision(List.of(), t.sources, t.notes);
    }
    int step = t.steps + 1;
    String callIds = "call_" + Seeds.hex(idSeed).substring(0, 12) + "_" + step + "_";
    String query = query(req.lastUserText());
    String url = t.nextUrl();
    boolean fetch = WEB_FETCH.equals(forced) || (forced == null && t.lastStepSearched && url != null);
    if (fetch) {
      if (url == null) { // told to fetch before any search: the model fetches the page it knows best
        List<WebCorpus.Hit> hits = WebCorpus.BUILT_IN.search(query);
        WebCorpus.Page page = hits.isEmpty() ? WebCorpus.BUILT_IN.pages().get(0) : hits.get(0).page();
        url = root + WebCorpus.PATH_PREFIX + page.slug();
      }
      return new Decision(List.of(call(req, callIds + 0, WEB_FETCH, "url", url)), List.of(), List.of());
    }
    int searches = step == 1 ? Math.max(1, fanout) : 1;
    List<ChatRequest.ToolCall> calls = new ArrayList<>(searches);
    for (int i = 0; i < searches; i++) {
      // Every search of the loop asks something different: fan-out queries first, then one per step.
      int angle = step == 1 ? i : Math.max(1, fanout) + step - 2;
      calls.add(call(req, callIds + i, WEB_SEARCH, "query", angled(query, angle)));
    }
    return new Decision(calls, List.of(), List.of());
  }

  /** The answer text: the model's own answer, then a line for each error met and each source fetched. */
  static String answer(String answer, Decision d) {
    StringBuilder out = new StringBuilder(answer);
    if (!d.notes().isEmpty() || !d.sources().isEmpty()) {
      out.append("\n");
    }
    for (String n : d.notes()) {
      out.append("\nNote: ").append(n);
    }
    for (String s : d.sources()) {
      out.append("\nSource: ").append(s);
    }
    return out.toString();
  }

  /** A search query from a message: its first few keywords (a judge prompt's panel answers left out). */
  static String query(String message) {
    int blocks = message.indexOf("<<<BEGIN RESPONSE");
    String text = blocks >= 0 ? message.substring(0, blocks) : message;
    List<String> words = WebCorpus.keywords(text, QUERY_WORDS);
    return words.isEmpty() ? "overview" : String.join(" ", words);
  }

  static String angled(String query, int angle) {
    if (angle < QUERY_ANGLES.size()) {
      String a = QUERY_ANGLES.get(angle);
      return a.isEmpty() ? query : query + " " + a;
    }
    return query + " " + angle;
  }

  private static ChatRequest.ToolCall call(ChatRequest req, String id, String tool, String defaultParam,
      String value) {
    String param = req.functions.get(tool).parameter(defaultParam);
    String arguments = "{" + ModelSimulator.quoted(param) + ":" + ModelSimulator.quoted(value) + "}";
    return new ChatRequest.ToolCall(id, tool, arguments);
  }

  /** What the conversation after the last user message says about the loop so far. */
  private static final class Transcript {
    int steps;
    /** Whether the latest step searched (so the next one fetches, if there is something to fetch). */
    boolean lastStepSearched;
    /** URLs of the latest search step's results, in order. */
    final List<String> latestResults = new ArrayList<>();
    /** URLs the model asked to fetch (whatever came of it). */
    final Set<String> fetchAttempts = new LinkedHashSet<>();
    /** URLs fetched without an error: the answer's sources. */
    final List<String> sources = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    static Transcript read(ChatRequest req) {
      Transcript t = new Transcript();
      Map<String, ChatRequest.ToolCall> calls = new HashMap<>();
      boolean newSearchStep = false;
      for (int i = req.lastUserIndex() + 1; i < req.messages.size(); i++) {
        ChatRequest.Message m = req.messages.get(i);
        if (!m.toolCalls().isEmpty()) {
          t.steps++;
          newSearchStep = true;
          t.lastStepSearched = m.toolCalls().stream().anyMatch(c -> c.name().equals(WEB_SEARCH));
          for (ChatRequest.ToolCall c : m.toolCalls()) {
            calls.put(c.id(), c);
            if (c.name().equals(WEB_FETCH)) {
              firstUrl(c.arguments()).ifPresent(t.fetchAttempts::add);
            }
          }
        } else if (m.role().equals("tool")) {
          ChatRequest.ToolCall c = calls.get(m.toolCallId());
          String tool = c == null ? "tool" : c.name();
          String error = error(m.text());
          if (error != null) {
            t.notes.add(tool + " failed: " + error);
            continue;
          }
          if (tool.equals(WEB_SEARCH)) {
            if (newSearchStep) {
              t.latestResults.clear();
              newSearchStep = false;
            }
            Matcher u = URL.matcher(m.text());
            while (u.find()) {
              t.latestResults.add(trimUrl(u.group()));
            }
          } else if (tool.equals(WEB_FETCH)) {
            firstUrl(c.arguments()).filter(url -> !t.sources.contains(url)).ifPresent(t.sources::add);
          }
        }
      }
      return t;
    }

    /** The first URL of the latest results not asked for yet, or null. */
    String nextUrl() {
      for (String u : latestResults) {
        if (!fetchAttempts.contains(u)) {
          return u;
        }
      }
      return null;
    }
  }

  private static java.util.Optional<String> firstUrl(String text) {
    Matcher u = URL.matcher(text);
    return u.find() ? java.util.Optional.of(trimUrl(u.group())) : java.util.Optional.empty();
  }

  /** A URL without the sentence punctuation that may follow it in prose. */
  private static String trimUrl(String url) {
    int end = url.length();
    while (end > 0 && ".;:!?".indexOf(url.charAt(end - 1)) >= 0) {
      end--;
    }
    return url.substring(0, end);
  }

  /** The error a tool result reports ({@code {"error": "..."}} or {@code {"error": {"message": ...}}}), or null. */
  static String error(String content) {
    String s = content.strip();
    if (!s.startsWith("{") || !s.contains("\"error\"")) {
      return null;
    }
    try {
      JsonNode n = MAPPER.readTree(s);
      JsonNode e = n.get("error");
      if (e == null || e.isNull()) {
        return null;
      }
      String text = e.isTextual() ? e.asText() : e.path("message").isTextual() ? e.path("message").asText() : e.toString();
      return text.length() > MAX_NOTE_CHARS ? text.substring(0, MAX_NOTE_CHARS) + "…" : text;
    } catch (IOException ex) {
      return null;
    }
  }

  // ---------------------------------------------------------------- server tools

  /** The web work a provider did with its own server tools, and what it cites. */
  record ServerRun(int searches, int fetches, WebCorpus.Page cited) {}

  /**
   * True when a {@code web_steps} model's provider runs OpenRouter's web server tools for this request:
   * they are offered and {@code tool_choice} is {@code auto} (or {@code required} with no function tool to
   * call instead): not {@code none}, and not a function named.
   */
  static boolean providerRunsServerTools(ChatRequest req) {
    String mode = req.toolChoiceMode();
    return !req.serverTools.isEmpty()
        && (mode.equals("auto") || (mode.equals("required") && req.toolNames.isEmpty()));
  }

  /**
   * The provider's own loop: {@code steps} steps alternating search and fetch (only the offered kinds),
   * over the built-in corpus; it cites the best page for the last user message, if any matches.
   */
  static ServerRun runServerTools(ChatRequest req, int steps) {
    boolean canSearch = req.serverTools.contains(ChatRequest.SERVER_WEB_SEARCH);
    boolean canFetch = req.serverTools.contains(ChatRequest.SERVER_WEB_FETCH);
    int searches = 0;
    int fetches = 0;
    for (int s = 1; s <= steps; s++) {
      boolean fetch = canFetch && (!canSearch || s % 2 == 0);
      if (fetch) {
        fetches++;
      } else {
        searches++;
      }
    }
    List<WebCorpus.Hit> hits = WebCorpus.BUILT_IN.search(query(req.lastUserText()));
    return new ServerRun(searches, fetches, hits.isEmpty() ? null : hits.get(0).page());
  }
}
