package dev.fusion.common.contract;

import java.util.Set;

/**
 * Who gives panel models and the judge their web tools: {@code fusion} (Fusion's own web_search and
 * web_fetch functions and tool loop), {@code provider} (the provider's server tools; the provider runs
 * the loop) or {@code off}. Set per provider in config, and per request to override it.
 */
public final class WebToolsMode {
  public static final String FUSION = "fusion";
  public static final String PROVIDER = "provider";
  public static final String OFF = "off";
  public static final Set<String> ALL = Set.of(FUSION, PROVIDER, OFF);

  private WebToolsMode() {}
}
