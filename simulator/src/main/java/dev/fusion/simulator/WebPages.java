package dev.fusion.simulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The built-in web over HTTP, at the simulator's root: {@code GET /search?q=...&format=json} answers as a
 * SearXNG instance with only the JSON format enabled, and {@code GET /web/<slug>} serves each page as HTML
 * ({@code /web/} lists them). Result URLs are absolute, on the host and port the request came to.
 */
final class WebPages {

  static final int RESULTS_PER_PAGE = 10;
  static final String ENGINE = "simulator";
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  /** A Host header fit to put into a URL: a name or address and a port, nothing else. */
  private static final Pattern SAFE_HOST = Pattern.compile("[A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:.]+\\]");

  private final WebCorpus corpus;
  private final Supplier<String> defaultRoot;
  private final AtomicLong searches = new AtomicLong();
  private final AtomicLong pages = new AtomicLong();

  WebPages(WebCorpus corpus, Supplier<String> defaultRoot) {
    this.corpus = corpus;
    this.defaultRoot = defaultRoot;
  }

  long searches() {
    return searches.get();
  }

  long pagesServed() {
    return pages.get();
  }

  void reset() {
    searches.set(0);
    pages.set(0);
  }

  /**
   * SearXNG's {@code /search}: {@code format} must be {@code json} (any other value, or none, asks for a
   * format this instance has not enabled: 403, as SearXNG answers); a missing {@code q} is a 400 {@code
   * {"error": "No query"}}; {@code pageno} pages through the results ten at a time.
   */
  void search(RoutingContext ctx) {
    searches.incrementAndGet();
    HttpServerRequest req = ctx.request();
    if (!"json".equals(req.getParam("format"))) {
      ctx.response().setStatusCode(403).putHeader("content-type", "text/html; charset=utf-8")
          .end("<!doctype html>\n<html lang=en>\n<title>403 Forbidden</title>\n<h1>Forbidden</h1>\n"
              + "<p>You don't have the permission to access the requested resource.</p>\n");
      return;
    }
    String q = req.getParam("q");
    if (q == null || q.isBlank()) {
      ctx.response().setStatusCode(400).putHeader("content-type", "application/json")
          .end(JSON.objectNode().put("error", "No query").toString());
      return;
    }
    int page = 1;
    try {
      String p = req.getParam("pageno");
      page = p == null ? 1 : Math.max(1, Integer.parseInt(p.trim()));
    } catch (NumberFormatException e) {
      ctx.response().setStatusCode(400).putHeader("content-type", "application/json")
          .end(JSON.objectNode().put("error", "Invalid pageno").toString());
      return;
    }
    String root = root(req);
    List<WebCorpus.Hit> hits = corpus.search(q);
    ObjectNode out = JSON.objectNode();
    out.put("query", q);
    out.put("number_of_results", hits.size());
    ArrayNode results = out.putArray("results");
    int from = (page - 1) * RESULTS_PER_PAGE;
    for (int i = from; i < Math.min(hits.size(), from + RESULTS_PER_PAGE); i++) {
      WebCorpus.Hit h = hits.get(i);
      String url = root + WebCorpus.PATH_PREFIX + h.page().slug();
      ObjectNode r = results.addObject();
      r.put("url", url);
      r.put("title", h.page().title());
      r.put("content", h.page().summary());
      r.put("engine", ENGINE);
      r.putArray("engines").add(ENGINE);
      r.putArray("positions").add(i + 1);
      r.put("score", h.score());
      r.put("category", "general");
      r.putArray("parsed_url").add("http").add(hostOf(root)).add(WebCorpus.PATH_PREFIX + h.page().slug())
          .add("").add("").add("");
    }
    out.putArray("answers");
    out.putArray("corrections");
    out.putArray("infoboxes");
    out.putArray("suggestions");
    out.putArray("unresponsive_engines");
    ctx.response().setStatusCode(200).putHeader("content-type", "application/json").end(out.toString());
  }

  /** A page as HTML, the index at {@code /web/}, or an HTML 404. */
  void page(RoutingContext ctx) {
    pages.incrementAndGet();
    String path = ctx.request().path();
    String slug = path.substring(Math.min(path.length(), WebCorpus.PATH_PREFIX.length()));
    String html;
    int status = 200;
    if (slug.isEmpty()) {
      html = corpus.indexHtml();
    } else {
      WebCorpus.Page p = corpus.page(slug);
      if (p == null) {
        status = 404;
        html = WebCorpus.notFoundHtml();
      } else {
        html = corpus.html(p, root(ctx.request()));
      }
    }
    ctx.response().setStatusCode(status).putHeader("content-type", "text/html; charset=utf-8").end(html);
  }

  /**
   * {@code http://host:port} as the request addressed the simulator (its Host header), or the simulator's
   * own address when the header is missing or not a plain host and port.
   */
  String root(HttpServerRequest req) {
    HostAndPort authority = req.authority();
    if (authority != null && SAFE_HOST.matcher(authority.host()).matches()) {
      return "http://" + authority.host() + (authority.port() > 0 ? ":" + authority.port() : "");
    }
    return defaultRoot.get();
  }

  private static String hostOf(String root) {
    return root.substring("http://".length());
  }
}
