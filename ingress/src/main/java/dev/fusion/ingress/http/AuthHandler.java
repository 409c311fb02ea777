package dev.fusion.ingress.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Runs first on every {@code /v1/*} route: checks {@code Authorization: Bearer <key>}, puts the key's
 * tenant in the routing context ({@link Tenants#CONTEXT_KEY}), then applies the per-key rate limit.
 * Without configured keys (dev mode) every request is the default tenant's and is limited as one key.
 * Keys are never logged or echoed.
 */
public final class AuthHandler implements Handler<RoutingContext> {
  private final ApiKeys keys;
  private final RateLimiter limiter;

  public AuthHandler(ApiKeys keys, RateLimiter limiter) {
    this.keys = keys;
    this.limiter = limiter;
  }

  @Override
  public void handle(RoutingContext rc) {
    String limitKey;
    if (keys.isEmpty()) {
      rc.put(Tenants.CONTEXT_KEY, Tenants.DEFAULT);
      limitKey = Tenants.DEFAULT;
    } else {
      String header = rc.request().getHeader("Authorization");
      if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw ApiError.unauthorized("You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.");
      }
      ApiKeys.Entry entry = keys.verify(header.substring(7).trim());
      if (entry == null) {
        throw ApiError.unauthorized("Incorrect API key provided.");
      }
      rc.put(Tenants.CONTEXT_KEY, entry.tenant());
      limitKey = entry.id();
    }
    long retryAfter = limiter.acquire(limitKey, System.nanoTime());
    if (retryAfter > 0) {
      throw ApiError.rateLimited(retryAfter);
    }
    rc.next();
  }
}
