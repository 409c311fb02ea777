package dev.fusion.ingress;

import dev.fusion.common.Service;
import dev.fusion.common.Services;
import dev.fusion.common.StageContext;
import dev.fusion.ingress.batch.BatchRoutes;
import dev.fusion.ingress.batch.BatchService;
import dev.fusion.ingress.chat.ChatCompletionsRoutes;
import dev.fusion.ingress.http.AuthHandler;
import dev.fusion.ingress.http.HttpApi;
import dev.fusion.ingress.http.RateLimiter;
import dev.fusion.ingress.http.Routes;
import dev.fusion.ingress.jobs.EventsRoutes;
import dev.fusion.ingress.jobs.Idempotency;
import dev.fusion.ingress.jobs.JobSubmitter;
import dev.fusion.ingress.jobs.JobsRoutes;
import dev.fusion.ingress.jobs.RejudgeRoutes;
import dev.fusion.ingress.kafka.KafkaRequests;
import dev.fusion.ingress.models.ModelsRoutes;
import dev.fusion.ingress.playground.PlaygroundRoutes;
import dev.fusion.ingress.kafka.ReplyTopics;
import dev.fusion.ingress.kafka.RequestsTopicIngest;
import dev.fusion.ingress.kafka.ResultReplies;
import dev.fusion.ingress.request.ChatCompletionRequests;
import dev.fusion.ingress.request.JobRequests;
import dev.fusion.ingress.view.JobsView;
import dev.fusion.ingress.view.Retention;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The ingress service: the jobs view, the HTTP API in front of it, Kafka submission (the requests
 * topic), reply forwarding for Kafka submitters, and retention of finished jobs.
 */
public final class Ingress implements Service {
  /** How long a start waits for the jobs view to read what the topics held (a large view rebuilds for minutes). */
  private static final Duration VIEW_CATCH_UP = Duration.ofMinutes(5);
  private final StageContext ctx;
  private final IngressOptions options;
  private final JobsView view;
  private final HttpApi http;
  private final BatchService batches;
  private final int port;
  private final RequestsTopicIngest requestsIngest;
  private final ResultReplies replies;
  private final Retention retention;
  private volatile boolean started;

  /**
   * @param otherStages readiness of other stages in this process (dev mode), shown by {@code /health}
   */
  public Ingress(StageContext ctx, int port, Path viewDir, Supplier<Map<String, Boolean>> otherStages) {
    this(ctx, port, viewDir, otherStages, IngressOptions.defaults());
  }

  public Ingress(StageContext ctx, int port, Path viewDir, Supplier<Map<String, Boolean>> otherStages,
      IngressOptions options) {
    this.ctx = ctx;
    this.port = port;
    this.options = options;
    this.view = new JobsView(ctx.config(), ctx.topics(), ctx.deadLetters(), viewDir, options.resultRetention());
    this.batches = new BatchService(ctx, view, viewDir.resolveSibling(viewDir.getFileName() + "-batches"));
    JobRequests requests = new JobRequests(ctx.config(), options.limits());
    JobSubmitter submitter = new JobSubmitter(ctx, view);
    this.http = new HttpApi(ctx,
        new AuthHandler(options.apiKeys(), new RateLimiter(options.rateLimitPerSecond(), options.rateLimitBurst())),
        options.maxBodyBytes(), routes(ctx, view, batches, requests, submitter), () -> {
          Map<String, Boolean> checks = new LinkedHashMap<>();
          checks.put("ingress", isReady());
          if (otherStages != null) {
            checks.putAll(otherStages.get());
          }
          return checks;
        });
    ReplyTopics replyTopics = new ReplyTopics(ctx.config().topicPrefix(), options.replyTopicPrefixes());
    this.requestsIngest = options.kafkaSubmission()
        ? new RequestsTopicIngest(ctx, view, submitter, new KafkaRequests(requests,
            options.apiKeys().tenants(), replyTopics))
        : null;
    this.replies = new ResultReplies(ctx, replyTopics, viewDir.resolveSibling(viewDir.getFileName() + "-replies"));
    this.retention = new Retention(ctx, view, options.resultRetention());
  }

  /**
   * Every route of the HTTP API, by feature: batches, jobs, a job's events, chat completions, rejudge, the
   * model list, and the playground page that uses them.
   * One request parser and one submitter serve them all, so "accepted" means the same everywhere.
   */
  public static List<Routes> routes(StageContext ctx, JobsView view, BatchService batches, JobRequests requests,
      JobSubmitter submitter) {
    // One Idempotency for both ways a client submits over HTTP: a key names one job, whichever route it came to.
    Idempotency idempotency = new Idempotency(view, submitter);
    return List.of(
        new BatchRoutes(batches, requests, view),
        new JobsRoutes(requests, submitter, idempotency, view),
        new EventsRoutes(view),
        ChatCompletionsRoutes.create(ctx, idempotency, view, new ChatCompletionRequests(requests.limits())),
        new RejudgeRoutes(ctx, view, requests.limits()),
        new ModelsRoutes(requests.limits().presets(), ctx.config().gateway(), System.currentTimeMillis() / 1000),
        new PlaygroundRoutes());
  }

  @Override
  public void start() throws Exception {
    ctx.kafkaReachability().probeNow(); // Health reports Kafka from the first request on.
    ctx.publisher().warm(ctx.topics().jobs().name());
    view.start();
    // Ready means the view answers from everything that was in the topics when it started.
    if (!view.awaitCaughtUp(VIEW_CATCH_UP)) {
      view.stop();
      throw new IllegalStateException("ingress: the jobs view did not catch up with the topics within "
          + VIEW_CATCH_UP.toMinutes() + " minutes");
    }
    // The view is what the others read; then the batch store, the reply forwarder and the requests-topic
    // reader, each waiting for its own assignment or catch-up, start side by side.
    try {
      Services.startTogether(parts());
    } catch (Exception e) {
      view.stop(); // a failed start leaves nothing running
      throw e;
    }
    retention.start();
    http.listen(port).await();
    started = true;
  }

  public int port() {
    return http.port();
  }

  public JobsView view() {
    return view;
  }

  public IngressOptions options() {
    return options;
  }

  @Override
  public void stop() {
    started = false;
    http.close().await();
    retention.close();
    try {
      Services.stopTogether(parts());
    } finally {
      view.stop(); // even when a part's stop failed: the view's consumer must not outlive ingress
    }
  }

  /** What starts once the view caught up, and stops before it. */
  private List<Service> parts() {
    return requestsIngest == null ? List.of(batches, replies) : List.of(batches, replies, requestsIngest);
  }

  /** Not while Kafka is unreachable: reads are still served, but nothing can be accepted. */
  @Override
  public boolean isReady() {
    return started && view.isReady() && batches.isReady() && replies.isReady() && (requestsIngest == null || requestsIngest.isReady()) && ctx.kafkaReachability().isReachable();
  }

  @Override
  public String name() {
    return "ingress";
  }
}
