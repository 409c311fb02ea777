package dev.fusion.web;

import dev.fusion.common.config.WebConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * web_fetch: reads one http(s) page, safe by construction against requests to places the model should not
 * reach (SSRF). Every URL, the first and each redirect's, is checked the same way: http or https only, no
 * user info, no cloud metadata host name; then its host is resolved (off the event loop) and refused if any
 * address is not public ({@link AddressPolicy}) unless the allow-list names the URL's host (and port). The
 * connection then goes to the checked address itself, with the host name kept for the Host header, SNI and
 * certificate verification, so a DNS answer that changes between check and connect cannot redirect it.
 * Redirects are followed here, never by the client, up to the configured number.
 *
 * <p>Limits: one time limit for the whole fetch (DNS, redirects, body); only text content types, judged by
 * the Content-Type header before any body is read; at most {@code fetchMaxBytes} of body: a larger page is
 * cut there (the connection is closed) and its text is marked truncated, with a note saying so.
 */
final class PageFetcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PageFetcher.class);
  static final int MAX_URL_CHARS = SearchBackend.MAX_URL_CHARS;
  static final int MAX_TITLE_CHARS = 300;
  private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
  private static final Set<String> TEXT_APPLICATION_TYPES = Set.of("application/xhtml+xml", "application/xml",
      "application/json", "application/ld+json", "application/rss+xml", "application/atom+xml",
      "application/javascript", "application/x-javascript", "application/ecmascript", "application/x-yaml",
      "application/yaml", "application/toml", "application/x-sh", "application/x-tex", "application/csv");
  private static final String USER_AGENT = "FusionWebFetch/1.0 (text only)";

  /** What a finished fetch read, for the outcome. */
  record Page(String askedUrl, String finalUrl, int status, String contentType, String title, String text,
      boolean textTrimmed, boolean bodyCut, long bytes) {}

  /** A fetch that did not produce a page; {@code status} is the last HTTP status seen, if any. */
  static final class FetchFailure extends RuntimeException {
    final Integer status;

    FetchFailure(String message, Integer status) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private final Vertx vertx;
  private final WorkerExecutor workers;
  private final WebConfig config;
  private final AllowList allowList;
  /** For host names: they are sent as the TLS server name (SNI), since the connection is made to an address. */
  private final HttpClientAgent byName;
  /** For IP literals, which TLS does not allow as a server name. */
  private final HttpClientAgent byLiteral;

  /**
   * {@code workers} run the DNS look-ups and the parsing; {@code base} is the HTTP client's starting options
   * (tests trust their own certificate with it; production passes defaults).
   */
  PageFetcher(Vertx vertx, WorkerExecutor workers, WebConfig config, HttpClientOptions base) {
    this.vertx = vertx;
    this.workers = workers;
    this.config = config;
    this.allowList = new AllowList(config.fetchAllow());
    long timeoutMs = config.fetchTimeout().toMillis();
    // No keep-alive: every fetch is its own connection to the address it checked; no decompression: the
    // byte limit counts what arrives, so a compressed bomb cannot expand past it.
    HttpClientOptions options = new HttpClientOptions(base).setKeepAlive(false).setDecompressionSupported(false)
        .setVerifyHost(true).setConnectTimeout((int) Math.min(timeoutMs, Integer.MAX_VALUE));
    this.byName = vertx.createHttpClient(new HttpClientOptions(options).setForceSni(true),
        new PoolOptions().setHttp1MaxSize(8));
    this.byLiteral = vertx.createHttpClient(new HttpClientOptions(options).setForceSni(false),
        new PoolOptions().setHttp1MaxSize(8));
  }

  /** Fetches {@code url}; fails only with a {@link FetchFailure} whose message is for the model. Call on a context. */
  Future<Page> fetch(String url) {
    return new Run(url).start();
  }

  /** One fetch: its deadline, the exchange in flight and the redirects so far. Runs on one context. */
  private final class Run {
    private final String askedUrl;
    private final Promise<Page> result = Promise.promise();
    private final long timer;
    private BoundedExchange exchange;
    private int redirects;
    private Integer lastStatus;

    Run(String askedUrl) {
      this.askedUrl = askedUrl;
      long timeoutMs = config.fetchTimeout().toMillis();
      this.timer = vertx.setTimer(timeoutMs, id -> {
        if (result.tryFail(new FetchFailure("the page did not load within " + SearchClient.millisText(timeoutMs),
            lastStatus)) && exchange != null) {
          exchange.abort();
        }
      });
      result.future().onComplete(done -> vertx.cancelTimer(timer));
    }

    Future<Page> start() {
      URI uri;
      try {
        uri = parse(askedUrl, "");
      } catch (FetchFailure e) {
        result.tryFail(e);
        return result.future();
      }
      hop(uri, "");
      return result.future();
    }

    /** Checks and requests {@code uri}; {@code via} prefixes refusals of redirect targets. */
    private void hop(URI uri, String via) {
      String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
      String host = uri.getHost();
      int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
      boolean allowed = allowList.permits(host, port);
      if (!allowed && AddressPolicy.isMetadataHost(host)) {
        fail(via + "refused: " + host + " is a cloud metadata service");
        return;
      }
      String bareHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
      workers.executeBlocking(() -> InetAddress.getAllByName(bareHost), false).onComplete(resolved -> {
        if (result.future().isComplete()) {
          return;
        }
        if (resolved.failed()) {
          fail(resolved.cause() instanceof UnknownHostException
              ? via + "the host " + host + " could not be resolved"
              : via + "the host " + host + " could not be looked up");
          return;
        }
        InetAddress[] addresses = resolved.result();
        if (!allowed) {
          for (InetAddress address : addresses) {
            String refusal = AddressPolicy.refusal(address);
            if (refusal != null) {
              fail(via + "refused: " + (isLiteral(host) ? host + " is " : host + " resolves to ") + refusal
                  + "; web_fetch reads public addresses only");
              return;
            }
          }
        }
        request(uri, scheme, bareHost, port, addresses, 0, via);
      });
    }

    /**
     * Requests {@code uri} from {@code addresses[index]}; when that address refuses the connection, the next
     * one (all of them were checked), as a host with a broken IPv6 or IPv4 address still answers on the other.
     */
    private void request(URI uri, String scheme, String host, int port, InetAddress[] addresses, int index,
        String via) {
      InetAddress address = addresses[index];
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      RequestOptions options = new RequestOptions()
          .setMethod(HttpMethod.GET)
          .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(address, port)))
          .setHost(host)
          .setPort(port)
          .setSsl(scheme.equals("https"))
          .setURI(uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery())
          .setFollowRedirects(false)
          // The URL's authority as written ([v6] in brackets), without the scheme's default port.
          .putHeader(HttpHeaders.HOST, uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort())
          .putHeader(HttpHeaders.USER_AGENT, USER_AGENT)
          .putHeader(HttpHeaders.ACCEPT, "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5")
          .putHeader(HttpHeaders.ACCEPT_ENCODING, "identity");
      exchange = new BoundedExchange();
      HttpClientAgent client = isLiteral(uri.getHost()) ? byLiteral : byName;
      exchange.send(client, options, null, config.fetchMaxBytes(), this::wantBody).onComplete(done -> {
        if (result.future().isComplete()) {
          return;
        }
        if (done.failed()) {
          if (done.cause() instanceof ConnectException && index + 1 < addresses.length) {
            request(uri, scheme, host, port, addresses, index + 1, via);
            return;
          }
          fail(via + connectionProblem(uri.getHost(), done.cause()));
          return;
        }
        answered(uri, done.result(), via);
      });
    }

    /** Reads the body only of a 2xx answer with a text content type. */
    private boolean wantBody(HttpClientResponse resp) {
      return resp.statusCode() / 100 == 2 && isText(mimeType(resp.headers()));
    }

    private void answered(URI uri, BoundedExchange.Answer answer, String via) {
      int status = answer.status();
      lastStatus = status;
      if (REDIRECTS.contains(status)) {
        String location = answer.headers().get(HttpHeaders.LOCATION);
        if (location == null || location.isBlank()) {
          fail("the server answered HTTP " + status + " without a Location to go to");
          return;
        }
        if (redirects >= config.fetchMaxRedirects()) {
          fail("too many redirects (more than " + config.fetchMaxRedirects() + ")");
          return;
        }
        redirects++;
        URI next;
        try {
          next = parse(uri.resolve(location.trim()).toString(), "redirect " + redirects + ": ");
        } catch (IllegalArgumentException | FetchFailure e) {
          fail(e instanceof FetchFailure ? e.getMessage()
              : "redirect " + redirects + ": the Location is not a valid URL");
          return;
        }
        hop(next, "redirect " + redirects + " to " + bounded(next.toString(), 200) + ": ");
        return;
      }
      if (status / 100 != 2) {
        fail(via + "the server answered HTTP " + status);
        return;
      }
      String mime = mimeType(answer.headers());
      if (answer.body() == null) {
        fail(mime.isEmpty()
            ? "refused: the answer has no Content-Type, so it is not known to be text"
            : "refused: the content type is " + bounded(mime, 100)
                + "; web_fetch reads text only (HTML, text/*, XML, JSON)");
        return;
      }
      byte[] body = answer.body().getBytes();
      String charset = charset(answer.headers());
      String finalUrl = uri.toString();
      workers.executeBlocking(() -> ReadableText.extract(body, mime, charset, finalUrl), false).onComplete(parsed -> {
        if (parsed.failed()) {
          LOG.debug("could not read the page at {}", finalUrl, parsed.cause());
          fail("the page could not be read as " + mime);
          return;
        }
        String text = parsed.result().text();
        String trimmed = ReadableText.trim(text, config.fetchMaxChars());
        result.tryComplete(new Page(askedUrl, finalUrl, status, mime,
            ReadableText.trim(parsed.result().title(), MAX_TITLE_CHARS), trimmed, trimmed.length() < text.length(),
            answer.cutShort(), body.length));
      });
    }

    private void fail(String message) {
      result.tryFail(new FetchFailure(message, lastStatus));
    }
  }

  /**
   * An absolute http(s) URL with a host, at most {@link #MAX_URL_CHARS} long, without user info; otherwise a
   * failure saying what is wrong, prefixed with {@code via}.
   */
  static URI parse(String url, String via) {
    String u = url.trim();
    String shown = bounded(u, 200);
    if (u.length() > MAX_URL_CHARS) {
      throw urlProblem(via + "the URL is longer than " + MAX_URL_CHARS + " characters");
    }
    URI uri;
    try {
      uri = new URI(u);
    } catch (URISyntaxException e) {
      throw urlProblem(via + "'" + shown + "' is not a valid URL (spaces and some characters must be %-encoded)");
    }
    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme == null) {
      throw urlProblem(via + "refused: '" + shown + "' is not an absolute URL; give one starting with https://");
    }
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw urlProblem(via + "refused: only http and https URLs are fetched, not " + bounded(scheme, 20) + ":");
    }
    if (uri.getRawUserInfo() != null) {
      throw urlProblem(via + "refused: URLs with a user name or password are not fetched");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw urlProblem(via + "'" + shown + "' has no host (international domain names must be in their xn-- form)");
    }
    if (uri.getPort() == 0 || uri.getPort() > 65_535) {
      throw urlProblem(via + "the URL's port is out of range");
    }
    try {
      // Non-ASCII characters in the path or query are sent %-encoded; an empty path is "/" (so that relative
      // redirects resolve against it correctly).
      URI ascii = new URI(uri.toASCIIString());
      if (ascii.getRawPath() == null || ascii.getRawPath().isEmpty()) {
        ascii = new URI(ascii.getScheme() + "://" + ascii.getRawAuthority() + "/"
            + (ascii.getRawQuery() == null ? "" : "?" + ascii.getRawQuery()));
      }
      return ascii;
    } catch (URISyntaxException e) {
      throw urlProblem(via + "'" + shown + "' is not a valid URL");
    }
  }

  private static FetchFailure urlProblem(String message) {
    return new FetchFailure(message, null);
  }

  /** The media type of the answer, lower-cased, without parameters; "" when there is none. */
  static String mimeType(MultiMap headers) {
    String value = headers.get(HttpHeaders.CONTENT_TYPE);
    if (value == null) {
      return "";
    }
    int semi = value.indexOf(';');
    return (semi >= 0 ? value.substring(0, semi) : value).trim().toLowerCase(Locale.ROOT);
  }

  private static String charset(MultiMap headers) {
    String value = headers.get(HttpHeaders.CONTENT_TYPE);
    if (value == null) {
      return null;
    }
    for (String param : value.split(";")) {
      String p = param.trim();
      if (p.toLowerCase(Locale.ROOT).startsWith("charset=")) {
        return p.substring("charset=".length()).trim();
      }
    }
    return null;
  }

  /** Text media types: text/* (but not an endless event stream), and the XML, JSON and script types. */
  static boolean isText(String mime) {
    if (mime.startsWith("text/")) {
      return !mime.equals("text/event-stream");
    }
    return TEXT_APPLICATION_TYPES.contains(mime)
        || (mime.startsWith("application/") && (mime.endsWith("+xml") || mime.endsWith("+json")));
  }

  /** An IP literal as a URL writes it: [v6] or dotted digits (also the short forms Java resolves, like 127.1). */
  private static boolean isLiteral(String host) {
    return host.startsWith("[") || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
  }

  private static String connectionProblem(String host, Throwable cause) {
    LOG.debug("web_fetch of {} failed", host, cause);
    if (cause instanceof ConnectException) {
      return "could not connect to " + host;
    }
    if (cause instanceof SSLException || hasCause(cause, SSLException.class)) {
      return "the TLS connection to " + host + " failed (certificate not valid for it, or no common protocol)";
    }
    return "the request to " + host + " failed (" + cause.getClass().getSimpleName() + ")";
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  static String bounded(String text, int maxChars) {
    return text.length() <= maxChars ? text : text.substring(0, maxChars) + "…";
  }

  @Override
  public void close() {
    byName.close();
    byLiteral.close();
  }
}
