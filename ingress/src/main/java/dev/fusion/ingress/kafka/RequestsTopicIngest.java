package dev.fusion.ingress.kafka;

import dev.fusion.common.Service;
import dev.fusion.common.StageContext;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.kafka.ConsumerThreads;
import dev.fusion.common.kafka.FailureKind;
import dev.fusion.common.kafka.KafkaConfigs;
import dev.fusion.common.kafka.Readiness;
import dev.fusion.common.kafka.TrackedRebalanceListener;
import dev.fusion.common.logging.JobTrace;
import dev.fusion.common.tracing.Tracing;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.http.ApiKeys;
import dev.fusion.ingress.http.HttpApi;
import dev.fusion.ingress.jobs.JobSubmitter;
import dev.fusion.ingress.view.JobsView;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka submission: consumes the requests topic (one consumer group shared by every ingress instance),
 * turns each valid record into a job through {@link JobSubmitter} and sends every invalid one to the
 * rejections topic with the reason and the original bytes, so a bad record never stalls its partition.
 *
 * <p>Each poll's records are handled concurrently; offsets are committed only after every job and
 * rejection of the batch was acknowledged by Kafka. A job's ID is derived from the record's position,
 * so a record replayed after a crash maps to the same job, and one the view already holds is skipped.
 * It does not use {@code AsyncConsumerWorker}: that loop hands handlers only the key and value, and
 * this one needs the headers (tenant, correlation, reply topic) and the record's position.
 */
public final class RequestsTopicIngest implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(RequestsTopicIngest.class);
  public static final String GROUP = "fusion-ingress-requests";
  /** The longest wait before the consumer is reopened after a failure; the same as the stage workers'. */
  private static final long MAX_BACKOFF_MS = 5_000;

  private final StageContext ctx;
  private final JobsView view;
  private final JobSubmitter submitter;
  private final KafkaRequests parser;
  private final Set<String> knownReplyTopics = ConcurrentHashMap.newKeySet();
  /**
   * Records and stop()'s wakeup end a poll at once: the timeout only sets how often an idle reader wakes
   * (at 100 ms, ten times a second for nothing).
   */
  private static final Duration POLL = Duration.ofSeconds(1);
  /** Under stop()'s 15 s wait for the thread (Kafka's default is 30 s), so a close to a dead broker ends first. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
  private volatile boolean running;
  private volatile String fatalFailure;
  /** The current consumer has had its first assignment (possibly empty: an idle member is ready). */
  private volatile boolean assigned;
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private Admin admin;
  private Thread thread;

  public RequestsTopicIngest(StageContext ctx, JobsView view, JobSubmitter submitter, KafkaRequests parser) {
    this.ctx = ctx;
    this.view = view;
    this.submitter = submitter;
    this.parser = parser;
  }

  @Override
  public String name() {
    return "requests-ingest";
  }

  @Override
  public void start() {
    var props = new java.util.Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ctx.config().bootstrapServers());
    admin = Admin.create(props);
    running = true;
    thread = new Thread(this::run, "requests-ingest");
    thread.setDaemon(true);
    thread.start();
    try {
      Readiness.require(name(), KafkaConfigs.startTimeout(), this::isReady, () -> fatalFailure);
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
  }

  private void run() {
    long backoffMs = 500;
    while (running) {
      consumer = new KafkaConsumer<>(KafkaConfigs.consumer(ctx.config().bootstrapServers(),
          ctx.config().topicPrefix() + GROUP, "requests-ingest"));
      var rebalances = new TrackedRebalanceListener(new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          assigned = true;
        }
      });
      try {
        consumer.subscribe(List.of(ctx.topics().requests().name()), rebalances);
        while (running) {
          var records = consumer.poll(POLL);
          if (records.isEmpty()) {
            continue;
          }
          List<CompletableFuture<?>> work = new ArrayList<>();
          Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
          for (ConsumerRecord<byte[], byte[]> r : records) {
            work.add(handle(r));
            next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
          }
          // Commit only what Kafka acknowledged; a failure replays the batch (job IDs make that harmless).
          CompletableFuture.allOf(work.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
          consumer.commitSync(next);
          backoffMs = 500;
        }
      } catch (WakeupException e) {
        // stop()
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running = false;
      } catch (Exception e) {
        if (FailureKind.classify(e) == FailureKind.FATAL) {
          fatalFailure = FailureKind.describe(e);
          running = false;
          LOG.error("requests ingest stopped (not ready): {}", fatalFailure, e);
        } else {
          LOG.error("requests ingest: a batch could not be made durable; it will be replayed", e);
        }
      } finally {
        assigned = false; // Not ready while the consumer is reopened, until it is assigned again.
        ConsumerThreads.close(consumer, rebalances, CLOSE_TIMEOUT, name());
      }
      if (running) {
        try {
          Thread.sleep(backoffMs); // Backoff before reopening this thread's own consumer.
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private CompletableFuture<?> handle(ConsumerRecord<byte[], byte[]> r) {
    String jobId = jobIdFor(r);
    FusionJob job;
    try {
      job = parser.toJob(headers(r), r.key(), r.value(), jobId);
      String replyTo = job.submission().replyTopic();
      if (replyTo != null && !replyTopicExists(replyTo)) {
        throw ApiError.invalid("reply_to", "unknown_topic", "The reply topic '" + replyTo + "' does not exist.");
      }
    } catch (ApiError e) {
      return CompletableFuture.allOf(ctx.deadLetters().publish(r, KafkaRequests.reason(e)), replyRejected(r, e));
    } catch (RuntimeException e) {
      return ctx.deadLetters().publish(r, "unprocessable request: " + e.getMessage());
    }
    if (view.read(jobId) != null) {
      return CompletableFuture.completedFuture(null); // Accepted before a crash; the replay changes nothing.
    }
    // A job Kafka can never take (too large) is poison for its request, not a reason to replay the batch;
    // one Kafka cannot take now (503: unreachable, not acknowledged) replays it once Kafka is back.
    // The request record's traceparent (a producer's trace), continued by ingress's span, else a new trace.
    JobTrace parent = JobTrace.fromHeaders(r.headers());
    return submitter.submit(job, submitter.tracing().start(HttpApi.INGRESS_SPAN, Tracing.Kind.CONSUMER, parent,
            parent == null ? null : parent.tenant(), null, jobId)).toCompletionStage().toCompletableFuture().<Object>thenApply(j -> j)
        .exceptionallyCompose(e -> neverWritable(e)
            ? ctx.deadLetters().publish(r, "job not writable: " + FailureKind.describe(e)).thenApply(x -> null)
            : CompletableFuture.failedFuture(e));
  }

  /** A refusal for what the job is (4xx), or a record-level Kafka error; not an outage (503). */
  private static boolean neverWritable(Throwable e) {
    Throwable t = FailureKind.unwrap(e);
    return t instanceof ApiError refused ? refused.status() < 500 : FailureKind.classify(t) == FailureKind.POISON;
  }

  /**
   * A producer waiting for its reply learns of the rejection too: if the record names an existing reply
   * topic that replies may go to, an error (the OpenAI error shape) goes there keyed by the correlation
   * ID. Best effort.
   */
  private CompletableFuture<?> replyRejected(ConsumerRecord<byte[], byte[]> r, ApiError e) {
    String[] route = parser.replyRouteOf(headers(r), r.key(), r.value());
    if (route == null || !replyTopicExists(route[0])) {
      return CompletableFuture.completedFuture(null);
    }
    var body = e.body().put("object", "fusion.rejection").put("status", "rejected").put("correlation_id", route[1]);
    return ResultReplies.send(ctx, route[0], route[1], null, body, null);
  }

  /** Same record, same job: the topic, partition and offset name it. */
  static String jobIdFor(ConsumerRecord<?, ?> r) {
    return "job_" + ApiKeys.sha256Hex(r.topic() + "/" + r.partition() + "/" + r.offset()).substring(0, 32);
  }

  private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> r) {
    Map<String, String> out = new HashMap<>();
    for (Header h : r.headers()) {
      if (h.value() != null) {
        out.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** A reply to a missing topic would block or fail the forwarder; such a request is rejected up front. */
  private boolean replyTopicExists(String topic) {
    if (knownReplyTopics.contains(topic)) {
      return true;
    }
    try {
      admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS);
      knownReplyTopics.add(topic);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  @Override
  public void stop() {
    // Also after a fatal failure ended the loop: the admin client is still open then.
    running = false;
    if (thread != null) {
      ConsumerThreads.wakeAndJoin(consumer, thread, Duration.ofSeconds(15));
      thread = null;
    }
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
      admin = null;
    }
  }

  @Override
  public boolean isReady() {
    return running && fatalFailure == null && assigned;
  }
}
