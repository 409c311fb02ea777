package dev.fusion.launcher;

import dev.fusion.common.Service;
import dev.fusion.common.Services;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.ingress.Ingress;
import dev.fusion.ingress.IngressOptions;
import dev.fusion.judge.JudgeWorker;
import dev.fusion.management.ManagementServer;
import dev.fusion.management.ManagementSettings;
import dev.fusion.panel.PanelWorker;
import dev.fusion.synthesizer.Synthesizer;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every pipeline stage in one process, against any Kafka: dev mode and the end-to-end tests use it.
 * Stages share one Vert.x, one gateway and one producer, as they would share a host. Individual stages
 * can be restarted, which is how tests play a crashed worker.
 */
public final class FusionStack implements AutoCloseable {
  private final FusionConfig config;
  private final StageContext ctx;
  private final int httpPort;
  private final IngressOptions ingressOptions;
  private final Vertx vertx;
  private final List<Ingress> extraIngresses = new ArrayList<>();
  private final List<StageContext> extraContexts = new ArrayList<>();
  private PanelWorker panel;
  private JudgeWorker judge;
  private Synthesizer synthesizer;
  private Ingress ingress;
  private ManagementServer management;

  public FusionStack(FusionConfig config, Vertx vertx, int httpPort) {
    this(config, vertx, httpPort, IngressOptions.defaults());
  }

  /** The service name of exported spans when every stage runs in one process (dev mode). */
  public static final String DEV_SERVICE_NAME = "fusion";

  public FusionStack(FusionConfig config, Vertx vertx, int httpPort, IngressOptions ingressOptions) {
    this.config = config;
    this.httpPort = httpPort;
    this.ingressOptions = ingressOptions;
    this.vertx = vertx;
    // Every stage in one process: its spans, when exported, are of the service "fusion".
    this.ctx = new StageContext(config, vertx, "fusion-" + config.topicPrefix() + "stack", DEV_SERVICE_NAME);
  }

  /**
   * Starts every stage and returns once all are ready. The stages meet only on topics, so they start side
   * by side, each waiting for its own first assignment: a start takes the slowest stage's time, not the
   * sum (ingress reports not ready until every stage is). When one fails, the others are stopped again.
   */
  public FusionStack start() throws Exception {
    ctx.ensureTopics();
    panel = new PanelWorker(ctx);
    judge = new JudgeWorker(ctx);
    synthesizer = new Synthesizer(ctx);
    ingress = new Ingress(ctx, httpPort, config.dataDir().resolve("ingress-view"), this::stageHealth,
        ingressOptions);
    Services.startTogether(List.of(panel, judge, synthesizer, ingress));
    return this;
  }

  /**
   * Starts another ingress instance against the same cluster, with its own producer, jobs view and HTTP
   * port, as a second ingress process would have (tests of multi-instance behaviour).
   */
  public Ingress addIngress() throws Exception {
    int n = extraIngresses.size() + 2;
    StageContext own = new StageContext(config, vertx, "fusion-" + config.topicPrefix() + "ingress-" + n,
        DEV_SERVICE_NAME);
    extraContexts.add(own);
    Ingress extra = started(new Ingress(own, 0, config.dataDir().resolve("ingress-view-" + n), null,
        ingressOptions));
    extraIngresses.add(extra);
    return extra;
  }

  /**
   * Serves one management endpoint for every stage of this stack (dev mode): health from all of them and
   * the shared context's checks, the context's metrics. Returns the port it listens on (0 picks one).
   */
  public int startManagement(int port) {
    return startManagement(new ManagementSettings(port,
        Duration.ofMillis(ManagementSettings.DEFAULT_SHUTDOWN_TIMEOUT_MS)));
  }

  /** The same on the configured port (see {@link ManagementServer#start(ManagementSettings)}). */
  public int startManagement(ManagementSettings settings) {
    management = new ManagementServer(vertx != null ? vertx : ctx.vertx(), ctx.metrics().process(), () -> {
      Map<String, Boolean> checks = new LinkedHashMap<>();
      checks.put("ingress", ingress != null && ingress.isReady());
      checks.putAll(stageHealth());
      checks.putAll(ctx.readinessChecks());
      return checks;
    });
    return management.start(settings).await();
  }

  private static <S extends Service> S started(S service) throws Exception {
    service.start();
    return service;
  }

  private Map<String, Boolean> stageHealth() {
    Map<String, Boolean> checks = new LinkedHashMap<>();
    checks.put("panel-worker", panel != null && panel.isReady());
    checks.put("judge-worker", judge != null && judge.isReady());
    checks.put("synthesizer", synthesizer != null && synthesizer.isReady());
    return checks;
  }

  public boolean isReady() {
    return ingress != null && ingress.isReady() && stageHealth().values().stream().allMatch(b -> b);
  }

  public void stopPanelWorker() {
    panel.stop();
  }

  /** Stops the panel worker as a crash would: in-flight jobs are abandoned uncommitted and replayed. */
  public void crashPanelWorker() {
    panel.stopNow();
  }

  public void startPanelWorker() throws Exception {
    panel = started(new PanelWorker(ctx));
  }

  public void stopJudgeWorker() {
    judge.stop();
  }

  public void startJudgeWorker() throws Exception {
    judge = started(new JudgeWorker(ctx));
  }

  public int httpPort() {
    return ingress.port();
  }

  public Ingress ingress() {
    return ingress;
  }

  public StageContext context() {
    return ctx;
  }

  public FusionConfig config() {
    return config;
  }

  @Override
  public void close() {
    // Not ready from here on; then HTTP, so no new job comes in; then the stages side by side: each finishes
    // or abandons its own in-flight work, and what it leaves is replayed whatever the others do. The broker
    // is the caller's to stop last.
    if (management != null) {
      management.shuttingDown();
    }
    extraIngresses.forEach(Ingress::stop);
    extraContexts.forEach(StageContext::close);
    if (ingress != null) {
      ingress.stop();
    }
    Services.stopTogether(java.util.stream.Stream.of(panel, judge, synthesizer)
        .filter(java.util.Objects::nonNull).map(Service.class::cast).toList());
    if (management != null) {
      management.close();
    }
    ctx.close();
  }
}
