package dev.fusion.ingress;

import io.vertx.ext.web.RoutingContext;

/** Which tenant a request acts for. Until API keys exist every request belongs to the default tenant. */
public final class Tenants {
  public static final String DEFAULT = "default";
  static final String CONTEXT_KEY = "fusion.tenant";

  private Tenants() {}

  public static String of(RoutingContext rc) {
    String tenant = rc.get(CONTEXT_KEY);
    return tenant == null ? DEFAULT : tenant;
  }
}
