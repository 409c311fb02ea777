package dev.fusion.ingress.http;

import io.vertx.ext.web.Router;

/**
 * One feature's routes (jobs, events, chat completions, rejudge, batches). {@link HttpApi} mounts them
 * after authentication and, unless they stream their request body, after the body handler; a feature
 * adds itself by implementing this and being listed in {@code Ingress.routes}.
 */
public interface Routes {
  void mount(Router router);

  /** Whether the routes read the request body as a stream (mounted before the body is buffered). */
  default boolean streamsBody() {
    return false;
  }
}
