package dev.fusion.ingress;

import dev.fusion.common.Service;
import dev.fusion.common.StageContext;
import dev.fusion.ingress.batch.BatchService;
import dev.fusion.ingress.http.HttpApi;
import dev.fusion.ingress.kafka.KafkaRequests;
import dev.fusion.ingress.kafka.ReplyTopics;
import dev.fusion.ingress.kafka.RequestsTopicIngest;
import dev.fusion.ingress.kafka.ResultReplies;
import dev.fusion.ingress.view.JobsView;
import dev.fusion.ingress.view.Retention;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The ingress service: the jobs view, the HTTP API in front of it, Kafka submission (the requests
 * topic), reply forwarding for Kafka submitters, and retention of finished jobs.
 */
public final class Ingress implements Service {
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
    this.http = new HttpApi(ctx, view, options, batches, () -> {
      Map<String, Boolean> checks = new LinkedHashMap<>();
      checks.put("ingress", isReady());
      if (otherStages != null) {
        checks.putAll(otherStages.get());
      }
      return checks;
    });
    ReplyTopics replyTopics = new ReplyTopics(ctx.config().topicPrefix(), options.replyTopicPrefixes());
    this.requestsIngest = options.kafkaSubmission()
        ? new RequestsTopicIngest(ctx, view, http.submitter(), new KafkaRequests(http.requests(),
            options.apiKeys().tenants(), replyTopics))
        : null;
    this.replies = new ResultReplies(ctx, replyTopics, viewDir.resolveSibling(viewDir.getFileName() + "-replies"));
    this.retention = new Retention(ctx, view, options.resultRetention());
  }

  @Override
  public void start() throws Exception {
    ctx.kafkaReachability().probeNow(); // Health reports Kafka from the first request on.
    ctx.publisher().warm(ctx.topics().jobs().name());
    view.start();
    view.awaitCaughtUp(Duration.ofMinutes(5));
    batches.start();
    replies.start();
    if (requestsIngest != null) {
      requestsIngest.start();
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
    batches.stop();
    retention.close();
    if (requestsIngest != null) {
      requestsIngest.stop();
    }
    replies.stop();
    view.stop();
  }

  /** Not while Kafka is unreachable: reads are still served, but nothing can be accepted. */
  @Override
  public boolean isReady() {
    return started && view.isReady() && batches.isReady() && ctx.kafkaReachability().isReachable();
  }

  @Override
  public String name() {
    return "ingress";
  }
}
