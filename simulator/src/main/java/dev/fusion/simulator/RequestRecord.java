package dev.fusion.simulator;

import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The last chat requests received, bounded by count and by body bytes: the oldest go first, so a
 * benchmark that sends millions of requests keeps only the latest. Thread-safe; the bounds may be
 * overshot for a moment by requests arriving at once.
 */
final class RequestRecord {
  private final int maxRequests;
  private final long maxBytes;
  private final ConcurrentLinkedDeque<RecordedRequest> requests = new ConcurrentLinkedDeque<>();
  private final AtomicInteger count = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong sequence = new AtomicLong();

  RequestRecord(int maxRequests, long maxBytes) {
    this.maxRequests = maxRequests;
    this.maxBytes = maxBytes;
  }

  boolean enabled() {
    return maxRequests > 0 && maxBytes > 0;
  }

  void add(HttpServerRequest request, String model, byte[] body) {
    if (!enabled() || body.length > maxBytes) {
      return;
    }
    RecordedRequest r = new RecordedRequest(sequence.incrementAndGet(), request.method().name(), request.path(),
        headers(request), model, body);
    requests.addLast(r);
    int n = count.incrementAndGet();
    long b = bytes.addAndGet(body.length);
    while (n > maxRequests || b > maxBytes) {
      RecordedRequest oldest = requests.pollFirst();
      if (oldest == null) {
        break;
      }
      n = count.decrementAndGet();
      b = bytes.addAndGet(-oldest.bodyBytes());
    }
  }

  /** Oldest first. */
  List<RecordedRequest> snapshot() {
    return List.copyOf(new ArrayList<>(requests));
  }

  void clear() {
    RecordedRequest r;
    while ((r = requests.pollFirst()) != null) {
      count.decrementAndGet();
      bytes.addAndGet(-r.bodyBytes());
    }
  }

  /** Every header but credentials, by lower-case name; repeated headers joined by {@code ", "}. */
  private static Map<String, String> headers(HttpServerRequest request) {
    Map<String, String> out = new LinkedHashMap<>();
    request.headers().forEach(e -> {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (!isCredential(name)) {
        out.merge(name, e.getValue(), (a, b) -> a + ", " + b);
      }
    });
    return out;
  }

  static boolean isCredential(String name) {
    return name.equals("authorization") || name.equals("proxy-authorization") || name.equals("cookie")
        || name.contains("key") || name.contains("token") || name.contains("secret");
  }
}
