package dev.fusion.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Steady load at a fixed rate: jobs over HTTP to the ingress instances in turn, as tenant acme, and every tenth one as a Kafka
 * request with a reply topic. Records only what was acknowledged (a 202, or the producer's ack): those
 * are the jobs the pipeline owes a result. Bounded in time and count; stops by itself.
 */
final class Load implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** An acknowledged submission: a job ID (HTTP) or a correlation ID (Kafka), and when it was acknowledged. */
  record Ack(String id, boolean kafka, long atMs) {}

  final List<Ack> acked = new CopyOnWriteArrayList<>();
  final AtomicInteger attemptedHttp = new AtomicInteger();
  final AtomicInteger attemptedKafka = new AtomicInteger();
  final AtomicInteger refused = new AtomicInteger();

  private final Pipeline pipeline;
  private final IntFunction<String> body;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final KafkaProducer<byte[], byte[]> producer;
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "load");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger sequence = new AtomicInteger();
  private final String run = Long.toString(System.nanoTime(), 36);

  Load(Pipeline pipeline, IntFunction<String> body) {
    this.pipeline = pipeline;
    this.body = body;
    producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrap(),
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
  }

  /** A plain job: three simulated panel models, the default judge and synthesizer. */
  static String plainJob(int n) {
    return "{\"messages\":[{\"role\":\"user\",\"content\":\"fault suite question " + n + "\"}]}";
  }

  /** Starts submitting {@code perSecond} jobs a second, for at most {@code maxDuration}. */
  Load start(int perSecond, Duration maxDuration) {
    long periodMicros = 1_000_000L / perSecond;
    long maxJobs = perSecond * maxDuration.toSeconds();
    ticker.scheduleAtFixedRate(() -> {
      int n = sequence.getAndIncrement();
      if (n >= maxJobs) {
        return;
      }
      if (n % 10 == 9) {
        submitKafka(n);
      } else {
        submitHttp(n);
      }
    }, 0, periodMicros, TimeUnit.MICROSECONDS);
    ticker.schedule(ticker::shutdown, maxDuration.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Stops submitting and waits (bounded) for answers to requests already sent. */
  void stop() {
    ticker.shutdownNow();
    try {
      ticker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.flush();
  }

  private void submitHttp(int n) {
    attemptedHttp.incrementAndGet();
    List<String> ingresses = pipeline.baseUrls();
    HttpRequest request = HttpRequest.newBuilder(URI.create(ingresses.get(n % ingresses.size()) + "/v1/jobs"))
        .timeout(Duration.ofSeconds(10))
        .header("authorization", "Bearer " + Pipeline.ACME_KEY)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.apply(n))).build();
    http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
      if (error == null && response.statusCode() == 202) {
        try {
          acked.add(new Ack(JSON.readTree(response.body()).path("id").asText(), false, System.currentTimeMillis()));
        } catch (Exception e) {
          refused.incrementAndGet();
        }
      } else {
        refused.incrementAndGet(); // not acknowledged: nothing is owed
      }
    });
  }

  private void submitKafka(int n) {
    attemptedKafka.incrementAndGet();
    String correlation = "corr-" + run + "-" + n;
    var record = new ProducerRecord<byte[], byte[]>(pipeline.topic("fusion.requests"), null,
        correlation.getBytes(StandardCharsets.UTF_8), body.apply(n).getBytes(StandardCharsets.UTF_8));
    record.headers().add("fusion-tenant", "acme".getBytes(StandardCharsets.UTF_8));
    record.headers().add("fusion-correlation-id", correlation.getBytes(StandardCharsets.UTF_8));
    record.headers().add("fusion-reply-to", pipeline.replyTopic().getBytes(StandardCharsets.UTF_8));
    try {
      producer.send(record, (meta, error) -> {
        if (error == null) {
          acked.add(new Ack(correlation, true, System.currentTimeMillis()));
        } else {
          refused.incrementAndGet();
        }
      });
    } catch (RuntimeException e) {
      refused.incrementAndGet(); // the broker is down: max.block.ms passed
    }
  }

  @Override
  public void close() {
    stop();
    producer.close(Duration.ofSeconds(5));
  }
}
