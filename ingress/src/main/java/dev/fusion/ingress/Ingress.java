package dev.fusion.ingress;

import dev.fusion.common.Service;
import dev.fusion.common.StageContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The ingress service: the jobs view plus the HTTP API in front of it. */
public final class Ingress implements Service {
  private final StageContext ctx;
  private final JobsView view;
  private final HttpApi http;
  private final BatchService batches;
  private final int port;
  private volatile boolean started;

  /**
   * @param otherStages readiness of other stages in this process (dev mode), shown by {@code /health}
   */
  public Ingress(StageContext ctx, int port, Path viewDir, Supplier<Map<String, Boolean>> otherStages) {
    this.ctx = ctx;
    this.port = port;
    this.view = new JobsView(ctx.config(), ctx.topics(), viewDir);
    this.batches = new BatchService(ctx, view, viewDir.resolveSibling(viewDir.getFileName() + "-batches"));
    this.http = new HttpApi(ctx, view, batches, () -> {
      Map<String, Boolean> checks = new LinkedHashMap<>();
      checks.put("ingress", isReady());
      if (otherStages != null) {
        checks.putAll(otherStages.get());
      }
      return checks;
    });
  }

  @Override
  public void start() throws Exception {
    ctx.publisher().warm(ctx.topics().jobs().name());
    view.start();
    view.awaitCaughtUp(Duration.ofMinutes(5));
    batches.start();
    http.listen(port).await();
    started = true;
  }

  public int port() {
    return http.port();
  }

  public JobsView view() {
    return view;
  }

  @Override
  public void stop() {
    started = false;
    http.close().await();
    batches.stop();
    view.stop();
  }

  @Override
  public boolean isReady() {
    return started && view.isReady() && batches.isReady();
  }

  @Override
  public String name() {
    return "ingress";
  }
}
