package dev.fusion.web;

import dev.fusion.gateway.ToolExecutor;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.WebConfig;
import dev.fusion.common.contract.ToolStep;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClientOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web tools of a process, shared per {@link StageContext} like the model gateway: {@code web_search}
 * (the configured backend: SearXNG, Brave Search or Tavily) and {@code web_fetch} (one http(s) page as
 * readable text, refusing private and local addresses; see {@link PageFetcher}). A tool loop offers
 * {@link #definitions()} to the model and runs each call the model makes with {@link #execute}, which never
 * fails: every problem becomes an outcome that tells the model what went wrong, with its step's error set.
 *
 * <p>Sizes: a search's content is at most {@code max_results} results of a title (300 characters), a URL
 * (2,048) and a snippet (500); a fetch's is the page's text (at most {@code fetchMaxChars}) plus its URLs
 * (2,048 each), title (300) and a few short fields; an error is at most 500 characters.
 */
public final class WebTools implements ToolExecutor, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebTools.class);
  static final int MAX_QUERY_CHARS = 400;
  static final int MAX_ARGUMENT_BYTES = 16 * 1024;
  static final int MAX_ERROR_CHARS = 500;
  /** Threads for DNS look-ups and parsing: fetches that wait on slow DNS beyond this many queue. */
  static final int WORKER_THREADS = 8;

  private final Vertx vertx;
  private final WebConfig config;
  private final WorkerExecutor workers;
  private final SearchClient search;
  private final PageFetcher fetcher;
  private final ArrayNode definitions;

  /** The process's web tools: made on first use, closed with the context; config from {@code ctx.config().web()}. */
  public static WebTools of(StageContext ctx) {
    return ctx.shared(WebTools.class, c -> new WebTools(c.vertx(), c.config().web()));
  }

  public WebTools(Vertx vertx, WebConfig config) {
    this(vertx, config, new HttpClientOptions());
  }

  /** {@code fetchClientBase}: the fetch client's starting options (tests trust their own certificate with it). */
  WebTools(Vertx vertx, WebConfig config, HttpClientOptions fetchClientBase) {
    this.vertx = vertx;
    this.config = config;
    // DNS look-ups can block for seconds: they get their own threads, not the process's shared worker pool.
    this.workers = vertx.createSharedWorkerExecutor("fusion-web-tools", WORKER_THREADS);
    this.search = new SearchClient(vertx, workers, config);
    this.fetcher = new PageFetcher(vertx, workers, config, fetchClientBase);
    this.definitions = buildDefinitions(config);
  }

  /**
   * The two OpenAI function-tool definitions, web_search then web_fetch: one shared tree, built once (every
   * panel and judge call offers them; request bodies share it and are serialized at once, never changed).
   */
  @Override
  public ArrayNode definitions() {
    return definitions;
  }

  public static boolean isWebTool(String functionName) {
    return ToolStep.WEB_SEARCH.equals(functionName) || ToolStep.WEB_FETCH.equals(functionName);
  }

  /** One line for the start-up banner, e.g. "search: SearXNG at http://host:8888; fetch: on (2 MiB, 10 s, ...)". */
  public String describe() {
    return config.describe();
  }

  /**
   * Runs one call. Never fails: bad arguments, refused URLs, time and size limits and backend errors all
   * become outcomes whose content tells the model what went wrong and whose step has {@code error} set.
   * May be called from any thread; the work runs on a Vert.x context (the caller's, when it has one).
   */
  @Override
  public Future<ToolExecutor.Executed> execute(String callId, String functionName, String argumentsJson) {
    long started = System.nanoTime();
    Promise<ToolExecutor.Executed> outcome = Promise.promise();
    Context context = vertx.getOrCreateContext();
    Runnable run = () -> {
      Future<ToolExecutor.Executed> call;
      try {
        call = dispatch(callId, functionName, argumentsJson, started);
      } catch (RuntimeException e) {
        call = Future.failedFuture(e);
      }
      call.onComplete(done -> {
        if (done.succeeded()) {
          outcome.complete(done.result());
        } else {
          // Only a bug gets here: the calls turn their own failures into outcomes.
          LOG.warn("web tool {} failed unexpectedly", functionName, done.cause());
          outcome.complete(unexpected(callId, functionName, started));
        }
      });
    };
    if (Vertx.currentContext() == context) {
      run.run();
    } else {
      context.runOnContext(v -> run.run());
    }
    return outcome.future();
  }

  private Future<ToolExecutor.Executed> dispatch(String callId, String functionName, String argumentsJson, long started) {
    if (ToolStep.WEB_SEARCH.equals(functionName)) {
      return webSearch(callId, argumentsJson, started);
    }
    if (ToolStep.WEB_FETCH.equals(functionName)) {
      return webFetch(callId, argumentsJson, started);
    }
    String name = functionName == null ? "(none)" : PageFetcher.bounded(functionName, 64);
    String error = "unknown tool '" + name + "'; the web tools are web_search and web_fetch";
    return Future.succeededFuture(new ToolExecutor.Executed(errorContent(error),
        new ToolStep(0, name, callId, null, null, null, null, null, millisSince(started), error)));
  }

  private Future<ToolExecutor.Executed> webSearch(String callId, String argumentsJson, long started) {
    String query = null;
    int maxResults;
    try {
      ObjectNode args = arguments(argumentsJson);
      query = requiredString(args, "query");
      if (query.length() > MAX_QUERY_CHARS) {
        query = query.substring(0, MAX_QUERY_CHARS);
        throw new WebToolException("'query' is longer than " + MAX_QUERY_CHARS + " characters");
      }
      maxResults = maxResults(args);
    } catch (WebToolException e) {
      return Future.succeededFuture(searchError(callId, query, e.getMessage(), started));
    }
    String q = query;
    return search.search(q, maxResults).map(results -> {
      ObjectNode content = Json.MAPPER.createObjectNode().put("query", q);
      ArrayNode list = content.putArray("results");
      for (SearchResult r : results) {
        list.addObject().put("title", r.title()).put("url", r.url()).put("snippet", r.snippet());
      }
      return new ToolExecutor.Executed(write(content),
          ToolStep.search(0, callId, q, results.size(), millisSince(started), null));
    }).recover(e -> {
      ToolExecutor.Executed failed = searchError(callId, q,
          e instanceof WebToolException ? e.getMessage() : "the search failed", started);
      return Future.succeededFuture(e instanceof WebToolException w && w.backendDown ? failed.asServiceFailure() : failed);
    });
  }

  private Future<ToolExecutor.Executed> webFetch(String callId, String argumentsJson, long started) {
    String url = null;
    try {
      ObjectNode args = arguments(argumentsJson);
      url = requiredString(args, "url");
      if (!config.fetchEnabled()) {
        throw new WebToolException("web_fetch is turned off on this server");
      }
    } catch (WebToolException e) {
      return Future.succeededFuture(fetchError(callId, url, null, e.getMessage(), started));
    }
    String asked = url;
    return fetcher.fetch(asked).map(page -> {
      ObjectNode content = Json.MAPPER.createObjectNode().put("url", page.askedUrl());
      if (!page.finalUrl().equals(page.askedUrl())) {
        content.put("final_url", page.finalUrl());
      }
      content.put("status", page.status()).put("content_type", page.contentType()).put("title", page.title())
          .put("text", page.text()).put("truncated", page.textTrimmed() || page.bodyCut());
      if (page.bodyCut()) {
        content.put("note", "the page is larger than " + config.fetchMaxBytes() + " bytes: only its first "
            + config.fetchMaxBytes() + " bytes were read");
      } else if (page.textTrimmed()) {
        content.put("note", "the text was cut at " + config.fetchMaxChars() + " characters");
      }
      return new ToolExecutor.Executed(write(content), ToolStep.fetch(0, callId, stepUrl(asked), page.status(), page.bytes(),
          millisSince(started), null));
    }).recover(e -> {
      Integer status = e instanceof PageFetcher.FetchFailure f ? f.status : null;
      String message = e instanceof PageFetcher.FetchFailure ? e.getMessage() : "the fetch failed";
      return Future.succeededFuture(fetchError(callId, asked, status, message, started));
    });
  }

  /** The call's arguments as an object; a failure names what is wrong. */
  private static ObjectNode arguments(String argumentsJson) {
    if (argumentsJson == null || argumentsJson.isBlank()) {
      return Json.MAPPER.createObjectNode();
    }
    if (argumentsJson.length() > MAX_ARGUMENT_BYTES) {
      throw new WebToolException("the arguments are larger than " + MAX_ARGUMENT_BYTES / 1024 + " KiB");
    }
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(argumentsJson);
    } catch (JsonProcessingException e) {
      throw new WebToolException("the arguments are not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new WebToolException("the arguments must be a JSON object");
    }
    return (ObjectNode) node;
  }

  private static String requiredString(ObjectNode args, String field) {
    JsonNode v = args.get(field);
    if (v == null || v.isNull()) {
      throw new WebToolException("missing required field '" + field + "'");
    }
    if (!v.isTextual()) {
      throw new WebToolException("'" + field + "' must be a string");
    }
    if (v.asText().isBlank()) {
      throw new WebToolException("'" + field + "' must not be empty");
    }
    return v.asText().trim();
  }

  private int maxResults(ObjectNode args) {
    JsonNode v = args.get("max_results");
    if (v == null || v.isNull()) {
      return config.searchMaxResults();
    }
    if (!v.isIntegralNumber() || v.asLong() < 1 || v.asLong() > WebConfig.MAX_RESULTS_LIMIT) {
      throw new WebToolException("'max_results' must be an integer from 1 to " + WebConfig.MAX_RESULTS_LIMIT);
    }
    return v.asInt();
  }

  private static ToolExecutor.Executed searchError(String callId, String query, String error, long started) {
    String e = PageFetcher.bounded(error, MAX_ERROR_CHARS);
    return new ToolExecutor.Executed(errorContent(e), ToolStep.search(0, callId, query, null, millisSince(started), e));
  }

  private static ToolExecutor.Executed fetchError(String callId, String url, Integer status, String error, long started) {
    String e = PageFetcher.bounded(error, MAX_ERROR_CHARS);
    return new ToolExecutor.Executed(errorContent(e), ToolStep.fetch(0, callId, stepUrl(url), status, null,
        millisSince(started), e));
  }

  private static ToolExecutor.Executed unexpected(String callId, String functionName, long started) {
    String error = "the tool failed unexpectedly";
    if (ToolStep.WEB_FETCH.equals(functionName)) {
      return fetchError(callId, null, null, error, started);
    }
    return searchError(callId, null, error, started);
  }

  private static String stepUrl(String url) {
    return url == null ? null : PageFetcher.bounded(url, PageFetcher.MAX_URL_CHARS);
  }

  private static String errorContent(String error) {
    return write(Json.MAPPER.createObjectNode().put("error", error));
  }

  private static String write(ObjectNode node) {
    try {
      return Json.MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long millisSince(long startedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }

  private static ArrayNode buildDefinitions(WebConfig config) {
    ArrayNode tools = Json.MAPPER.createArrayNode();
    ObjectNode search = function(tools, ToolStep.WEB_SEARCH,
        "Search the web. Returns up to max_results results, each with a title, a URL and a short snippet. "
            + "Use web_fetch to read a result's page.");
    ObjectNode searchProps = search.putObject("properties");
    searchProps.putObject("query").put("type", "string").put("maxLength", MAX_QUERY_CHARS)
        .put("description", "What to search for, as you would type it into a search engine.");
    searchProps.putObject("max_results").put("type", "integer").put("minimum", 1)
        .put("maximum", WebConfig.MAX_RESULTS_LIMIT)
        .put("description", "How many results to return (default " + config.searchMaxResults() + ").");
    search.putArray("required").add("query");
    search.put("additionalProperties", false);

    ObjectNode fetch = function(tools, ToolStep.WEB_FETCH,
        "Fetch a public web page (http or https) and return its readable text, at most " + config.fetchMaxChars()
            + " characters, with its title and HTTP status. Text content only (HTML, plain text, XML, JSON).");
    fetch.putObject("properties").putObject("url").put("type", "string")
        .put("description", "The absolute URL of the page, starting with https:// or http://.");
    fetch.putArray("required").add("url");
    fetch.put("additionalProperties", false);
    return tools;
  }

  /** Adds {"type":"function","function":{name, description, parameters}} and returns its parameters object. */
  private static ObjectNode function(ArrayNode tools, String name, String description) {
    ObjectNode function = tools.addObject().put("type", "function").putObject("function");
    function.put("name", name).put("description", description);
    return function.putObject("parameters").put("type", "object");
  }

  @Override
  public void close() {
    search.close();
    fetcher.close();
    workers.close();
  }
}
