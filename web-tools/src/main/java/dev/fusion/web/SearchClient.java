package dev.fusion.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.WebConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs searches against the configured backend within the search time limit. The backend's address is the
 * operator's (a SearXNG on a private network is normal), so it is not subject to web_fetch's address policy.
 * Failures become {@link WebToolException}s whose messages name the backend and the problem, never its
 * address or key.
 */
final class SearchClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SearchClient.class);
  /** A search answer larger than this is refused: ten results are a few kilobytes. */
  static final long MAX_ANSWER_BYTES = 2L * 1024 * 1024;

  private final Vertx vertx;
  private final WorkerExecutor workers;
  private final SearchBackend backend;
  private final long timeoutMs;
  private final HttpClientAgent http;

  /** {@code workers} parse the answers. */
  SearchClient(Vertx vertx, WorkerExecutor workers, WebConfig config) {
    this.vertx = vertx;
    this.workers = workers;
    this.backend = switch (config.search()) {
      case SEARXNG -> new SearxngBackend(config.searxngUrl());
      case BRAVE -> new BraveBackend(config.braveBaseUrl(), config.braveApiKey());
      case TAVILY -> new TavilyBackend(config.tavilyBaseUrl(), config.tavilyApiKey());
      case NONE -> null;
    };
    this.timeoutMs = config.searchTimeout().toMillis();
    this.http = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setConnectTimeout((int) Math.min(timeoutMs, Integer.MAX_VALUE)),
        new PoolOptions().setHttp1MaxSize(32));
  }

  /** Up to {@code maxResults} results; fails with a {@link WebToolException} the model can read. */
  Future<List<SearchResult>> search(String query, int maxResults) {
    if (backend == null) {
      return Future.failedFuture(new WebToolException("web search is not configured"));
    }
    SearchBackend.Request request = backend.request(query, maxResults);
    RequestOptions options = new RequestOptions().setMethod(request.method()).setAbsoluteURI(request.url())
        .setFollowRedirects(false);
    request.headers().forEach(options::putHeader);
    String name = backend.displayName();
    BoundedExchange exchange = new BoundedExchange();
    Promise<List<SearchResult>> results = Promise.promise();
    long timer = vertx.setTimer(timeoutMs, id -> {
      if (results.tryFail(WebToolException.backendDown(name + " did not answer within " + millisText(timeoutMs)))) {
        exchange.abort();
      }
    });
    exchange.send(http, options, request.jsonBody(), MAX_ANSWER_BYTES, resp -> resp.statusCode() / 100 == 2)
        .compose(answer -> {
          if (answer.status() / 100 != 2) {
            return Future.failedFuture(WebToolException.backendDown(statusMessage(name, answer.status())));
          }
          if (answer.cutShort()) {
            return Future.failedFuture(new WebToolException("the " + name + " answer is larger than "
                + MAX_ANSWER_BYTES / (1024 * 1024) + " MiB"));
          }
          byte[] bytes = answer.body().getBytes();
          // JSON of up to 2 MiB and snippet clean-up: parsed off the event loop.
          return workers.executeBlocking(() -> backend.parse(readJson(name, bytes), maxResults), false);
        })
        .onComplete(done -> {
          vertx.cancelTimer(timer);
          if (done.succeeded()) {
            results.tryComplete(done.result());
          } else if (!results.future().isComplete()) {
            results.tryFail(explain(name, done.cause()));
          }
        });
    return results.future();
  }

  private static JsonNode readJson(String name, byte[] bytes) {
    try {
      JsonNode node = Json.MAPPER.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw new WebToolException("the " + name + " answer is empty");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new WebToolException("the " + name + " answer is not JSON");
    } catch (java.io.IOException e) {
      throw new WebToolException("the " + name + " answer could not be read");
    }
  }

  static String statusMessage(String name, int status) {
    String hint = switch (status) {
      case 401 -> ": the API key was not accepted";
      case 403 -> name.equals("SearXNG") ? ": is the json format enabled (search.formats in its settings.yml)?"
          : ": the API key was not accepted for this request";
      case 429 -> ": it is rate limiting; search less often, or go on without searching";
      default -> status >= 500 ? ": the search service is failing; try again later or go on without searching" : "";
    };
    return name + " answered HTTP " + status + hint;
  }

  private static WebToolException explain(String name, Throwable cause) {
    if (cause instanceof WebToolException w) {
      return w;
    }
    LOG.warn("web search via {} failed: {}", name, cause.toString());
    if (cause instanceof ConnectException) {
      return WebToolException.backendDown("could not connect to " + name);
    }
    return WebToolException.backendDown(name + " could not be reached (" + cause.getClass().getSimpleName() + ")");
  }

  static String millisText(long ms) {
    return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
  }

  @Override
  public void close() {
    http.close();
  }
}
