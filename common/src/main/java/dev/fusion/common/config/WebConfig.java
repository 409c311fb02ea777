package dev.fusion.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The web tools' settings (web_search and web_fetch, which panel models and the judge may call): the search
 * backend and its key, and the limits and allow-list of page fetches. Read from environment variables and
 * the config file's {@code web} section (environment wins); keys only ever come from the environment.
 * See docs/configuration.md, "Web tools".
 *
 * <p>{@code fetchAllow} entries are {@code host} (any port) or {@code host:port} ({@code [v6]:port} for an
 * IPv6 literal), lower-cased; a URL is allowed when its host, as written in the URL, equals an entry's host
 * and its port (the scheme's default when the URL gives none) equals the entry's port, if the entry has one.
 * An allowed URL skips the address policy (private, loopback, ... addresses), nothing else.
 */
public record WebConfig(
    Search search,
    String searxngUrl,
    String braveApiKey,
    String braveBaseUrl,
    String tavilyApiKey,
    String tavilyBaseUrl,
    int searchMaxResults,
    Duration searchTimeout,
    boolean fetchEnabled,
    Duration fetchTimeout,
    long fetchMaxBytes,
    int fetchMaxChars,
    int fetchMaxRedirects,
    List<String> fetchAllow) {

  /** The search backends; {@code NONE} answers every search with "not configured". */
  public enum Search {
    SEARXNG("SearXNG"), BRAVE("Brave Search"), TAVILY("Tavily"), NONE("none");

    private final String displayName;

    Search(String displayName) {
      this.displayName = displayName;
    }

    public String displayName() {
      return displayName;
    }

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Search parse(String value, String where) {
      for (Search s : values()) {
        if (s.configName().equals(value.trim().toLowerCase(Locale.ROOT))) {
          return s;
        }
      }
      throw new IllegalArgumentException(where + " must be one of searxng, brave, tavily, none; got '" + value + "'");
    }
  }

  public static final String DEFAULT_BRAVE_BASE_URL = "https://api.search.brave.com";
  public static final String DEFAULT_TAVILY_BASE_URL = "https://api.tavily.com";
  /** The most results one search may return (and the tool's max_results bound). */
  public static final int MAX_RESULTS_LIMIT = 10;

  static final List<String> FILE_KEYS = List.of("search", "searxng_url", "brave_base_url", "tavily_base_url",
      "search_max_results", "search_timeout_ms", "fetch", "fetch_timeout_ms", "fetch_max_bytes", "fetch_max_chars",
      "fetch_max_redirects", "fetch_allow");

  public WebConfig {
    fetchAllow = List.copyOf(fetchAllow);
    searxngUrl = stripSlash(searxngUrl);
    braveBaseUrl = stripSlash(braveBaseUrl);
    tavilyBaseUrl = stripSlash(tavilyBaseUrl);
  }

  /** No search backend, fetch on, the default limits: what a process without any web settings gets. */
  public static WebConfig defaults() {
    return load(new Env(java.util.Map.of()), ConfigFile.empty());
  }

  /** The backend's API key, or null (SearXNG and none have none). */
  public String searchApiKey() {
    return switch (search) {
      case BRAVE -> braveApiKey;
      case TAVILY -> tavilyApiKey;
      default -> null;
    };
  }

  /** One line for a start-up banner, e.g. "search: SearXNG at http://host:8888; fetch: on (2 MiB, 10 s)"; never a key. */
  public String describe() {
    return describeSearch() + "; " + describeFetch();
  }

  /** "search: SearXNG at http://host:8888", "search: not configured", ...; never a key. */
  public String describeSearch() {
    return switch (search) {
      case SEARXNG -> "search: SearXNG at " + withoutUserInfo(searxngUrl);
      case BRAVE -> "search: Brave Search" + (DEFAULT_BRAVE_BASE_URL.equals(braveBaseUrl) ? "" : " at " + braveBaseUrl)
          + " (key from BRAVE_API_KEY)";
      case TAVILY -> "search: Tavily" + (DEFAULT_TAVILY_BASE_URL.equals(tavilyBaseUrl) ? "" : " at " + tavilyBaseUrl)
          + " (key from TAVILY_API_KEY)";
      case NONE -> "search: not configured";
    };
  }

  /** "fetch: on (2 MiB, 10 s, 20000 chars)" with the allow-list if any, or "fetch: off". */
  public String describeFetch() {
    return !fetchEnabled ? "fetch: off"
        : "fetch: on (" + bytesText(fetchMaxBytes) + ", " + secondsText(fetchTimeout) + ", " + fetchMaxChars
            + " chars" + (fetchAllow.isEmpty() ? "" : ", allowed: " + String.join(",", fetchAllow)) + ")";
  }

  @Override
  public String toString() {
    // Never the keys: only whether they are set.
    return "WebConfig[" + describe() + ", max_results=" + searchMaxResults + ", search_timeout="
        + searchTimeout.toMillis() + "ms, redirects=" + fetchMaxRedirects
        + (braveApiKey == null ? "" : ", BRAVE_API_KEY=***") + (tavilyApiKey == null ? "" : ", TAVILY_API_KEY=***")
        + "]";
  }

  /**
   * The web settings: the environment ({@code FUSION_WEB_*}, {@code FUSION_SEARXNG_URL}, {@code BRAVE_API_KEY},
   * {@code TAVILY_API_KEY}, {@code FUSION_BRAVE_BASE_URL}, {@code FUSION_TAVILY_BASE_URL}) over the file's
   * {@code web} section over the defaults.
   */
  static WebConfig load(Env env, ConfigFile file) {
    JsonNode web = file.section("web").node;
    FileReader f = new FileReader(web, file.source());
    String braveKey = env.optional("BRAVE_API_KEY");
    String tavilyKey = env.optional("TAVILY_API_KEY");
    String searxng = env.get("FUSION_SEARXNG_URL", f.string("searxng_url"));

    Search search;
    String chosen = env.optional("FUSION_WEB_SEARCH");
    if (chosen != null) {
      search = Search.parse(chosen, "FUSION_WEB_SEARCH");
    } else if (f.string("search") != null) {
      search = Search.parse(f.string("search"), f.where("search"));
    } else if (braveKey != null) {
      search = Search.BRAVE;
    } else if (tavilyKey != null) {
      search = Search.TAVILY;
    } else if (searxng != null) {
      search = Search.SEARXNG;
    } else {
      search = Search.NONE;
    }
    switch (search) {
      case SEARXNG -> {
        if (searxng == null) {
          throw new IllegalArgumentException("the searxng web search needs FUSION_SEARXNG_URL (or web.searxng_url)");
        }
        requireHttpUrl(searxng, env.optional("FUSION_SEARXNG_URL") != null ? "FUSION_SEARXNG_URL"
            : f.where("searxng_url"));
      }
      case BRAVE -> {
        if (braveKey == null) {
          throw new IllegalArgumentException("the brave web search needs BRAVE_API_KEY");
        }
      }
      case TAVILY -> {
        if (tavilyKey == null) {
          throw new IllegalArgumentException("the tavily web search needs TAVILY_API_KEY");
        }
      }
      case NONE -> { }
    }
    String brave = env.get("FUSION_BRAVE_BASE_URL", orElse(f.string("brave_base_url"), DEFAULT_BRAVE_BASE_URL));
    requireHttpUrl(brave, "FUSION_BRAVE_BASE_URL");
    String tavily = env.get("FUSION_TAVILY_BASE_URL", orElse(f.string("tavily_base_url"), DEFAULT_TAVILY_BASE_URL));
    requireHttpUrl(tavily, "FUSION_TAVILY_BASE_URL");

    long maxResults = env.longValue("FUSION_WEB_SEARCH_MAX_RESULTS", f.number("search_max_results", 5));
    requireRange("FUSION_WEB_SEARCH_MAX_RESULTS", maxResults, 1, MAX_RESULTS_LIMIT);
    long searchTimeoutMs = env.longValue("FUSION_WEB_SEARCH_TIMEOUT_MS", f.number("search_timeout_ms", 10_000));
    requireRange("FUSION_WEB_SEARCH_TIMEOUT_MS", searchTimeoutMs, 1, 600_000);

    String fetchSwitch = env.optional("FUSION_WEB_FETCH");
    boolean fetchEnabled = fetchSwitch != null ? onOff(fetchSwitch, "FUSION_WEB_FETCH") : f.onOff("fetch", true);
    long fetchTimeoutMs = env.longValue("FUSION_WEB_FETCH_TIMEOUT_MS", f.number("fetch_timeout_ms", 10_000));
    requireRange("FUSION_WEB_FETCH_TIMEOUT_MS", fetchTimeoutMs, 1, 600_000);
    long maxBytes = env.longValue("FUSION_WEB_FETCH_MAX_BYTES", f.number("fetch_max_bytes", 2L * 1024 * 1024));
    requireRange("FUSION_WEB_FETCH_MAX_BYTES", maxBytes, 1, 64L * 1024 * 1024);
    long maxChars = env.longValue("FUSION_WEB_FETCH_MAX_CHARS", f.number("fetch_max_chars", 20_000));
    requireRange("FUSION_WEB_FETCH_MAX_CHARS", maxChars, 100, 1_000_000);
    long maxRedirects = env.longValue("FUSION_WEB_FETCH_MAX_REDIRECTS", f.number("fetch_max_redirects", 5));
    requireRange("FUSION_WEB_FETCH_MAX_REDIRECTS", maxRedirects, 0, 20);
    List<String> fileAllow = f.strings("fetch_allow");
    List<String> allow = env.list("FUSION_WEB_FETCH_ALLOW", fileAllow == null ? List.of() : fileAllow);
    List<String> normalized = new ArrayList<>();
    for (String entry : allow) {
      normalized.add(allowEntry(entry));
    }
    return new WebConfig(search, searxng, braveKey, brave, tavilyKey, tavily, (int) maxResults,
        Duration.ofMillis(searchTimeoutMs), fetchEnabled, Duration.ofMillis(fetchTimeoutMs), maxBytes, (int) maxChars,
        (int) maxRedirects, normalized);
  }

  /**
   * An allow-list entry checked and lower-cased: {@code host}, {@code host:port}, {@code [v6]} or
   * {@code [v6]:port}. Anything else (a scheme, a path, a port out of range) is a start-up error.
   */
  static String allowEntry(String raw) {
    String entry = raw.trim().toLowerCase(Locale.ROOT);
    String problem = null;
    String host = entry;
    String port = null;
    if (entry.startsWith("[")) {
      int close = entry.indexOf(']');
      if (close < 0) {
        problem = "an IPv6 address needs its closing ]";
      } else {
        host = entry.substring(0, close + 1);
        String rest = entry.substring(close + 1);
        if (!rest.isEmpty()) {
          if (!rest.startsWith(":")) {
            problem = "expected host or host:port";
          } else {
            port = rest.substring(1);
          }
        }
      }
    } else {
      int colon = entry.indexOf(':');
      if (colon >= 0) {
        if (entry.indexOf(':', colon + 1) >= 0) {
          problem = "write an IPv6 address in brackets, e.g. [::1]:8080";
        }
        host = entry.substring(0, colon);
        port = entry.substring(colon + 1);
      }
    }
    if (problem == null && (host.isEmpty() || host.contains("/") || host.contains("@") || host.contains("*"))) {
      problem = "expected host or host:port (no scheme, path or wildcard)";
    }
    if (problem == null && port != null) {
      try {
        int p = Integer.parseInt(port);
        if (p < 1 || p > 65_535) {
          problem = "port out of range";
        }
      } catch (NumberFormatException e) {
        problem = "the port is not a number";
      }
    }
    if (problem != null) {
      throw new IllegalArgumentException("FUSION_WEB_FETCH_ALLOW: bad entry '" + raw.trim() + "': " + problem);
    }
    return entry;
  }

  private static boolean onOff(String value, String where) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "on", "true" -> true;
      case "off", "false" -> false;
      default -> throw new IllegalArgumentException(where + " must be on or off, got '" + value + "'");
    };
  }

  private static void requireHttpUrl(String url, String name) {
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
        throw new IllegalArgumentException(name + " must be an http(s) URL with a host, got '" + url + "'");
      }
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(name + " is not a valid URL: '" + url + "'");
    }
  }

  /** {@code name} is the variable; its file key is the rest of the name in lower case ({@code web.fetch_max_chars}). */
  private static void requireRange(String name, long value, long min, long max) {
    if (value < min || value > max) {
      String fileKey = "web." + name.substring("FUSION_WEB_".length()).toLowerCase(Locale.ROOT);
      throw new IllegalArgumentException(name + " (" + fileKey + ") must be between " + min + " and " + max
          + ", got " + value);
    }
  }

  private static String orElse(String value, String fallback) {
    return value == null ? fallback : value;
  }

  /** The URL without a user:password part, which may hold a secret. */
  private static String withoutUserInfo(String url) {
    int at = url.indexOf('@');
    int schemeEnd = url.indexOf("://");
    int pathStart = schemeEnd < 0 ? -1 : url.indexOf('/', schemeEnd + 3);
    if (at < 0 || schemeEnd < 0 || (pathStart >= 0 && at > pathStart)) {
      return url;
    }
    return url.substring(0, schemeEnd + 3) + "***@" + url.substring(at + 1);
  }

  private static String stripSlash(String url) {
    return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static String bytesText(long bytes) {
    if (bytes % (1024 * 1024) == 0) {
      return bytes / (1024 * 1024) + " MiB";
    }
    if (bytes % 1024 == 0) {
      return bytes / 1024 + " KiB";
    }
    return bytes + " bytes";
  }

  private static String secondsText(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
  }

  /** Typed reads of the file's {@code web} section, naming the key in errors. */
  private record FileReader(JsonNode web, String source) {
    boolean present() {
      return web != null && !web.isMissingNode() && !web.isNull();
    }

    String where(String key) {
      return "web." + key + " in " + source;
    }

    String string(String key) {
      return present() ? ConfigFile.stringOrNull(web, key, "web") : null;
    }

    List<String> strings(String key) {
      return present() ? ConfigFile.stringsOrNull(web, key, "web") : null;
    }

    /** YAML may read on/off as a boolean or as text: both are accepted. */
    boolean onOff(String key, boolean fallback) {
      JsonNode v = present() ? web.get(key) : null;
      if (v == null || v.isNull()) {
        return fallback;
      }
      return v.isBoolean() ? v.asBoolean() : WebConfig.onOff(v.asText(), where(key));
    }

    long number(String key, long fallback) {
      Long v = present() ? ConfigFile.longOrNull(web, key, "web") : null;
      return v == null ? fallback : v;
    }
  }
}
