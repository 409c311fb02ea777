package dev.fusion.ingress.kafka;

import dev.fusion.common.logging.JobTrace;
import dev.fusion.common.Json;
import dev.fusion.common.Service;
import dev.fusion.common.StageContext;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.kafka.AsyncConsumerWorker;
import dev.fusion.common.kafka.JsonSerde;
import dev.fusion.common.kafka.KafkaConfigs;
import dev.fusion.common.kafka.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.rocksdb.Options;
import org.rocksdb.RocksDBException;
import org.rocksdb.TtlDB;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each final result of a Kafka-submitted job that named a reply topic to that topic, keyed by the
 * correlation ID (headers {@code fusion-correlation-id} and {@code fusion-job-id} too), so the producer
 * can match it. One consumer group over the results topic shared by every ingress instance. Replies are
 * at-least-once; a reply that cannot be delivered is logged and skipped (the result stays on the results
 * topic and the HTTP API), so the results partition never stalls, unless Kafka itself is unreachable:
 * then the worker replays it once Kafka is back.
 *
 * <p>Guards: a reply goes only to a topic {@link ReplyTopics} allows (checked again here, so a result
 * written before the check existed cannot reach Fusion's topics), every reply carries
 * {@value #FORWARDED_HEADER}, and a record carrying it is never forwarded: the forwarder cannot feed
 * itself. One reply per job: a job can have two results after a stage crashed between writing and
 * committing, so jobs already replied to are remembered in a small RocksDB of their own (kept
 * {@link #REMEMBERED}; the second result of a crash follows the first within minutes).
 */
public final class ResultReplies implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(ResultReplies.class);
  public static final String GROUP = "fusion-ingress-replies";
  /** On every reply (and rejection reply) this forwarder writes; such records are never forwarded. */
  public static final String FORWARDED_HEADER = "fusion-forwarded-by";
  private static final byte[] FORWARDER = "ingress-result-replies".getBytes(StandardCharsets.UTF_8);
  static final Duration REMEMBERED = Duration.ofDays(1);
  private static final byte[] EMPTY = new byte[0];

  /** A result read from the results topic, or why it gets no reply. */
  record Read(FusionResult result, boolean forwardedByUs) {
    /**
     * Stands in for a record that needs no reply: a tombstone (retention), which the shared worker loop
     * would otherwise reject, or a result without a reply topic (most), which is not worth building.
     */
    static final Read NO_REPLY = new Read(null, false);
  }

  private final StageContext ctx;
  private final ReplyTopics replyTopics;
  private final Path markersDir;
  private final AsyncConsumerWorker<Read> worker;
  /** Per job, the forwarding under way: a second result of the same job waits for it, then checks. */
  private final ConcurrentHashMap<String, CompletableFuture<?>> underWay = new ConcurrentHashMap<>();
  private TtlDB replied;

  /** @param markersDir where the jobs already replied to are remembered (survives restarts) */
  public ResultReplies(StageContext ctx, ReplyTopics replyTopics, Path markersDir) {
    this.ctx = ctx;
    this.replyTopics = replyTopics;
    this.markersDir = markersDir;
    var results = ctx.topics().results();
    Serde<Read> serde = Serdes.serdeFrom(unused(), new ReadDeserializer());
    var topic = new TopicSpec<>(results.name(), results.keySerde(), serde, true, Map.of());
    this.worker = new AsyncConsumerWorker<>("result-replies", topic,
        KafkaConfigs.consumer(ctx.config().bootstrapServers(), ctx.config().topicPrefix() + GROUP, "result-replies"),
        this::handle, ctx.deadLetters(), 1000, null)
        .attemptsPausedWhile(ctx::kafkaKnownUnreachable)
        .metered(ctx.metrics(), dev.fusion.common.metrics.FusionMetrics.STAGE_REPLIES);
  }

  CompletionStage<?> handle(String jobId, Read read) {
    FusionResult result = read.result();
    if (read.forwardedByUs()) {
      LOG.warn("result-replies: record of job {} is one of our own replies; not forwarded again", jobId);
      return CompletableFuture.completedFuture(null);
    }
    if (result == null || result.replyTopic() == null || result.correlationId() == null || jobId == null) {
      return CompletableFuture.completedFuture(null);
    }
    String forbidden = replyTopics.violation(result.replyTopic());
    if (forbidden != null) {
      LOG.warn("result-replies: job {} names a reply topic it may not use; no reply: {}", jobId, forbidden);
      return CompletableFuture.completedFuture(null);
    }
    return forwardOnce(jobId, result, JobTrace.current());
  }

  /**
   * Called in record order on the consumer thread, so of two results of one job the first starts first;
   * the second waits for it and sends only if the first was not delivered.
   */
  private CompletableFuture<?> forwardOnce(String jobId, FusionResult result, JobTrace trace) {
    CompletableFuture<?> mine = underWay.compute(jobId, (id, earlier) ->
        (earlier == null ? CompletableFuture.completedFuture(null) : earlier.handle((x, e) -> null))
            .thenCompose(x -> forwardUnlessReplied(jobId, result, trace)));
    mine.whenComplete((x, e) -> underWay.remove(jobId, mine));
    return mine;
  }

  private CompletableFuture<?> forwardUnlessReplied(String jobId, FusionResult result, JobTrace trace) {
    byte[] key = jobId.getBytes(StandardCharsets.UTF_8);
    try {
      if (wasRepliedTo(key)) {
        LOG.info("result-replies: job {} was replied to already; its later result is not sent again", jobId);
        return CompletableFuture.completedFuture(null);
      }
    } catch (RocksDBException e) {
      return CompletableFuture.failedFuture(new IllegalStateException("reply markers unreadable", e));
    }
    return send(ctx, result.replyTopic(), result.correlationId(), jobId, result, trace).thenAccept(delivered -> {
      if (delivered) {
        try {
          rememberReplied(key);
        } catch (RocksDBException e) {
          // At-least-once: without the marker a second result of this job would be replied to as well.
          LOG.warn("result-replies: could not remember the reply to job {}: {}", jobId, e.toString());
        }
      } else if (ctx.kafkaReachability().isKnownUnreachable()) {
        // Not this reply's fault: a Kafka error makes the worker replay it once Kafka is back.
        throw new org.apache.kafka.common.errors.TimeoutException(
            "Kafka is unreachable; the reply to job " + jobId + " will be retried");
      }
    });
  }

  // Synchronized with stop(): a reply acknowledged after the store closed must not touch it.
  private synchronized boolean wasRepliedTo(byte[] jobId) throws RocksDBException {
    if (replied == null) {
      throw new RocksDBException("stopped");
    }
    return replied.get(jobId) != null;
  }

  private synchronized void rememberReplied(byte[] jobId) throws RocksDBException {
    if (replied == null) {
      throw new RocksDBException("stopped");
    }
    replied.put(jobId, EMPTY);
  }

  /**
   * One reply, keyed and headed by the correlation ID (and the job ID when there is one) and marked as
   * forwarded. Best effort: a reply that cannot be delivered is logged and completes with false, so
   * nothing stalls on it. The caller has checked the topic against {@link ReplyTopics}. A reply about a
   * job carries its {@code traceparent} ({@code trace}, the forwarder's span; null for a rejection).
   */
  static CompletableFuture<Boolean> send(StageContext ctx, String topic, String correlationId, String jobId,
      Object body, JobTrace trace) {
    RecordHeaders headers = new RecordHeaders();
    if (trace != null) {
      headers.add(JobTrace.TRACEPARENT_HEADER, trace.traceparent().getBytes(StandardCharsets.ISO_8859_1));
    }
    headers.add(KafkaRequests.CORRELATION_HEADER, correlationId.getBytes(StandardCharsets.UTF_8));
    if (jobId != null) {
      headers.add(KafkaRequests.JOB_ID_HEADER, jobId.getBytes(StandardCharsets.UTF_8));
    }
    headers.add(FORWARDED_HEADER, FORWARDER);
    return ctx.publisher().sendRaw(topic, correlationId.getBytes(StandardCharsets.UTF_8), Json.toBytes(body), headers)
        .thenApply(ack -> true)
        .exceptionally(e -> {
          LOG.warn("reply (job {}) to {} could not be delivered: {}", jobId, topic, e.toString());
          return false;
        });
  }

  /** Reads only what decides whether to reply: our own marker, then the routing fields, then the result. */
  private static final class ReadDeserializer implements Deserializer<Read> {
    private final Deserializer<FusionResult> json = new JsonSerde<>(FusionResult.class).deserializer();

    @Override
    public Read deserialize(String topic, Headers headers, byte[] bytes) {
      if (headers != null && headers.lastHeader(FORWARDED_HEADER) != null) {
        return new Read(null, true);
      }
      return deserialize(topic, bytes);
    }

    @Override
    public Read deserialize(String topic, byte[] bytes) {
      return bytes == null || !wantsReply(bytes) ? Read.NO_REPLY : new Read(json.deserialize(topic, bytes), false);
    }
  }

  private static Serializer<Read> unused() {
    return (topic, read) -> {
      throw new UnsupportedOperationException("the reply forwarder only reads results");
    };
  }

  /** Whether a result names where to reply; unreadable bytes say yes, so the worker reports them. */
  private static boolean wantsReply(byte[] result) {
    try {
      String[] f = Json.topLevelFields(result, "reply_topic", "correlation_id");
      return f[0] != null && f[1] != null;
    } catch (IllegalArgumentException e) {
      return true;
    }
  }

  @Override
  public synchronized void start() throws Exception {
    Files.createDirectories(markersDir);
    // Entries older than REMEMBERED are dropped at compaction: the store stays as small as a day of replies.
    replied = TtlDB.open(new Options().setCreateIfMissing(true), markersDir.toString(), (int) REMEMBERED.toSeconds(),
        false);
    worker.start();
  }

  @Override
  public void stop() {
    worker.stop();
    synchronized (this) {
      if (replied != null) {
        replied.close();
        replied = null;
      }
    }
  }

  @Override
  public boolean isReady() {
    return worker.isReady();
  }

  @Override
  public String name() {
    return "result-replies";
  }
}
