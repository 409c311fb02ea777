package dev.fusion.web;

import java.util.List;
import java.util.Locale;

/**
 * The operator's exceptions to the address policy ({@code FUSION_WEB_FETCH_ALLOW}): entries {@code host}
 * (any port) or {@code host:port}; IPv6 literals in brackets. A URL matches when its host exactly as written
 * in the URL (case-insensitive; no resolution, no subdomains, no trailing-dot folding) equals an entry's
 * host, and its port (the scheme's default when the URL names none) equals the entry's, if the entry has
 * one. So {@code 127.0.0.1:8090} allows {@code http://127.0.0.1:8090/x} but not {@code http://localhost:8090/}
 * nor {@code http://127.0.0.1:9092/}.
 */
final class AllowList {
  private record Entry(String host, int port) {}

  private final List<Entry> entries;

  AllowList(List<String> configured) {
    this.entries = configured.stream().map(AllowList::parse).toList();
  }

  /** {@code host} as {@link java.net.URI#getHost()} gives it (brackets around IPv6), {@code port} resolved. */
  boolean permits(String host, int port) {
    String h = host.toLowerCase(Locale.ROOT);
    for (Entry e : entries) {
      if (e.host.equals(h) && (e.port < 0 || e.port == port)) {
        return true;
      }
    }
    return false;
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  /** Entries were checked when the config was loaded (WebConfig.allowEntry): host, host:port, [v6], [v6]:port. */
  private static Entry parse(String entry) {
    String e = entry.trim().toLowerCase(Locale.ROOT);
    int portAt = e.startsWith("[") ? e.indexOf("]:") + 1 : e.indexOf(':');
    if (portAt <= 0) {
      return new Entry(e, -1);
    }
    return new Entry(e.substring(0, portAt), Integer.parseInt(e.substring(portAt + 1)));
  }
}
