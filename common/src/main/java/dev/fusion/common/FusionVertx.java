package dev.fusion.common;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * The one way Fusion makes its Vert.x instance: on Linux with the native epoll transport (fewer system
 * calls and less garbage per read and write than Java NIO, and every model call and API request passes
 * through it), on Java NIO where the platform has no native transport.
 */
public final class FusionVertx {
  private FusionVertx() {}

  public static Vertx create() {
    return Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
  }
}
