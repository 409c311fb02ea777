package dev.fusion.ingress.http;

import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * Which tenant a request acts for. The auth handler puts it in the routing context under
 * {@link #CONTEXT_KEY} for every {@code /v1/*} route; without configured API keys (dev mode) every
 * request belongs to {@link #DEFAULT}.
 */
public final class Tenants {
  public static final String DEFAULT = "default";
  public static final String CONTEXT_KEY = "fusion.tenant";
  /** Tenant names are used in storage keys and headers: keep them plain. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private Tenants() {}

  public static String of(RoutingContext rc) {
    String tenant = rc.get(CONTEXT_KEY);
    return tenant == null ? DEFAULT : tenant;
  }

  public static boolean isValidName(String tenant) {
    return tenant != null && NAME.matcher(tenant).matches();
  }
}
