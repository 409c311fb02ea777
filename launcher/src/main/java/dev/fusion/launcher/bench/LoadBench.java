package dev.fusion.launcher.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.FusionVertx;
import dev.fusion.common.Json;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.kafka.KafkaConfigs;
import dev.fusion.common.kafka.TopicSpec;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * An open-loop load generator: jobs are sent at a fixed arrival rate whatever the system does, and each
 * job's latency is measured from its <em>intended</em> send time, so a stall shows up in the figures
 * instead of silently slowing the sender (no coordinated omission). Completion is observed on the
 * results topic, the moment a result becomes visible to every ingress instance.
 */
final class LoadBench {
  private final String ingressUrl;
  private final String bootstrap;
  private final TopicSpec<String, FusionResult> results;
  private final LoadProfile profile;
  private final int panelSize;
  private final Map<String, java.util.concurrent.atomic.LongAdder> stageSums = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.LongAdder stageCount = new java.util.concurrent.atomic.LongAdder();

  LoadBench(String ingressUrl, String bootstrap, TopicSpec<String, FusionResult> results, LoadProfile profile,
      int panelSize) {
    this.ingressUrl = ingressUrl;
    this.bootstrap = bootstrap;
    this.results = results;
    this.profile = profile;
    this.panelSize = panelSize;
  }

  /** Sends {@code rate * seconds} jobs (or {@code total} if positive) and waits for every result. */
  BenchResult run(String scenario, double rate, int seconds, long total, Duration drainLimit) throws Exception {
    long jobs = total > 0 ? total : Math.round(rate * seconds);
    stageSums.clear();
    stageCount.reset();
    long intervalNanos = Math.round(1e9 / rate);
    // The 202 (which carries the job ID) and the result race; whichever arrives second records the job.
    Map<String, Object> meet = new ConcurrentHashMap<>();
    Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(30), 3);
    Histogram overhead = new Histogram(TimeUnit.MINUTES.toMicros(30), 3);
    AtomicLong completed = new AtomicLong();
    AtomicLong failedResults = new AtomicLong();
    AtomicLong rejected = new AtomicLong();
    AtomicLong maxInFlight = new AtomicLong();
    List<Long> inFlightEvery5s = new ArrayList<>();
    long sampleEvery = Math.max(1, Math.round(rate * 5));
    AtomicLong submitted = new AtomicLong();
    CountDownLatch allDone = new CountDownLatch(1);
    MemorySampler memory = new MemorySampler();

    Vertx vertx = FusionVertx.create();
    HttpClientAgent http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(256).setMaxWaitQueueSize(-1));
    String body = jobBody();
    io.vertx.core.Context[] loops = {vertx.getOrCreateContext(), vertx.getOrCreateContext()};

    ResultWatcher watcher = new ResultWatcher((jobId, result, seenNanos) -> {
      Object sent = meet.putIfAbsent(jobId, new Seen(result, seenNanos));
      if (!(sent instanceof Long start)) {
        return; // The 202 is still on its way (or a duplicate result): the other side records.
      }
      meet.remove(jobId);
      record(start, seenNanos, result, latency, overhead, failedResults);
      if (completed.incrementAndGet() + rejected.get() >= jobs) {
        allDone.countDown();
      }
    });
    watcher.start();
    memory.start();
    CostMeter cost = new CostMeter(bootstrap);
    cost.start();

    long t0 = System.nanoTime();
    for (long i = 0; i < jobs; i++) {
      long due = t0 + i * intervalNanos;
      long wait;
      // Sleep until the intended send time (parking has ~60 us slack, plenty for these rates); spinning
      // would steal a core from the system under test.
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      long inFlight = submitted.incrementAndGet() - completed.get() - rejected.get();
      maxInFlight.accumulateAndGet(inFlight, Math::max);
      if (i > 0 && i % sampleEvery == 0) {
        inFlightEvery5s.add(inFlight);
      }
      // Sent from an event loop, not from this thread: Vert.x 5.0.7 can lose a response's end when its
      // body is asked for from another thread (eclipse-vertx/vert.x#6038), and a lost 202 is a lost job.
      loops[(int) (i % loops.length)].runOnContext(v -> http.request(new RequestOptions().setMethod(HttpMethod.POST)
              .setAbsoluteURI(ingressUrl + "/v1/jobs").putHeader("content-type", "application/json"))
          .compose(req -> req.send(Buffer.buffer(body)))
          .compose(resp -> resp.body().map(b -> resp.statusCode() == 202 ? Json.tree(b.toString()).path("id").asText() : null))
          .onComplete(ar -> {
            String id = ar.succeeded() ? ar.result() : null;
            if (id == null) {
              if (rejected.incrementAndGet() + completed.get() >= jobs) {
                allDone.countDown();
              }
              return;
            }
            Object first = meet.putIfAbsent(id, due);
            if (first instanceof Seen seen) {
              meet.remove(id);
              record(due, seen.nanos(), seen.result(), latency, overhead, failedResults);
              if (completed.incrementAndGet() + rejected.get() >= jobs) {
                allDone.countDown();
              }
            }
          }));
    }
    long sendEnd = System.nanoTime();
    boolean finished = allDone.await(drainLimit.toMillis() + seconds * 1000L, TimeUnit.MILLISECONDS);
    long end = System.nanoTime();
    CostMeter.Cost costs = cost.stop(completed.get());
    if (!finished) {
      // Name the jobs whose result never showed, with the status ingress reports for them.
      meet.entrySet().stream().filter(e -> e.getValue() instanceof Long).limit(5).forEach(e -> {
        try {
          var resp = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create(ingressUrl + "/v1/jobs/" + e.getKey())).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
          String b = resp.body();
          System.out.println("unfinished " + e.getKey() + ": " + b.substring(0, Math.min(300, b.length())));
          var lines = new java.util.concurrent.ConcurrentLinkedQueue<String>();
          java.net.http.HttpClient.newHttpClient().sendAsync(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create(ingressUrl + "/v1/jobs/" + e.getKey() + "/events")).build(),
              java.net.http.HttpResponse.BodyHandlers.ofLines()).thenAccept(r -> r.body().forEach(lines::add));
          LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
          lines.stream().filter(l -> l.startsWith("event:")).forEach(l -> System.out.println("   " + l));
        } catch (Exception ex) {
          System.out.println("unfinished " + e.getKey() + ": " + ex);
        }
      });
    }
    watcher.close();
    memory.close();
    http.close();
    vertx.close().await();
    return new BenchResult(scenario, profile.toString(), panelSize, rate, jobs, completed.get(), failedResults.get(),
        rejected.get(), jobs - completed.get() - rejected.get(), (sendEnd - t0) / 1e9, (end - t0) / 1e9,
        maxInFlight.get(), inFlightEvery5s, latency, overhead, memory.maxHeapBytes(), memory.maxRssBytes(), finished, stageMeans(),
        costs);
  }

  private record Seen(Outcome result, long nanos) {}

  /**
   * What the bench needs of a result, read with a streaming parser: the load generator runs in the JVM
   * it measures, so it should not build every result whole.
   */
  record Outcome(String jobId, String status, long slowestPanelMs, Map<String, Long> timingsMs) {
    static Outcome of(byte[] json) throws java.io.IOException {
      String jobId = null;
      String status = null;
      long slowest = 0;
      Map<String, Long> timings = new java.util.LinkedHashMap<>();
      try (com.fasterxml.jackson.core.JsonParser p = Json.MAPPER.createParser(json)) {
        if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
          throw new java.io.IOException("a result must be a JSON object");
        }
        while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
          String field = p.currentName();
          com.fasterxml.jackson.core.JsonToken t = p.nextToken();
          if (field.equals("job_id") && t.isScalarValue()) {
            jobId = p.getText();
          } else if (field.equals("status") && t.isScalarValue()) {
            status = p.getText();
          } else if (field.equals("timings_ms") && t == com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
              String stage = p.currentName();
              p.nextToken();
              timings.put(stage, p.getValueAsLong());
            }
          } else if (field.equals("responses") && t == com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
            for (t = p.nextToken(); t != com.fasterxml.jackson.core.JsonToken.END_ARRAY && t != null; t = p.nextToken()) {
              if (t != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
              }
              while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                if (f.equals("latency_ms")) {
                  slowest = Math.max(slowest, p.getValueAsLong());
                } else {
                  p.skipChildren();
                }
              }
            }
          } else {
            p.skipChildren();
          }
        }
      }
      return new Outcome(jobId, status, slowest, timings);
    }
  }

  private void record(long intendedNanos, long seenNanos, Outcome result, Histogram latency, Histogram overhead,
      AtomicLong failedResults) {
    long e2eMicros = Math.max(0, (seenNanos - intendedNanos) / 1000);
    latency.recordValue(e2eMicros);
    if (result == null || !FusionResult.COMPLETED.equals(result.status())) {
      failedResults.incrementAndGet();
      return;
    }
    long modelsMicros;
    if (profile.fixed()) {
      modelsMicros = profile.criticalPathMs() * 1000;
    } else {
      // Unknown in advance for random latency: use the measured model calls of this job.
      long slowestPanel = result.slowestPanelMs();
      modelsMicros = (slowestPanel + result.timingsMs().getOrDefault("judge", 0L)
          + result.timingsMs().getOrDefault("synthesizer", 0L)) * 1000;
    }
    overhead.recordValue(Math.max(0, e2eMicros - modelsMicros));
    result.timingsMs().forEach((stage, ms) -> stageSums.computeIfAbsent(stage, k -> new java.util.concurrent.atomic.LongAdder()).add(ms));
    stageCount.increment();
  }

  /** Mean milliseconds per stage and hand-off over the completed jobs of the last run. */
  Map<String, Double> stageMeans() {
    Map<String, Double> means = new java.util.LinkedHashMap<>();
    long n = Math.max(1, stageCount.sum());
    stageSums.forEach((k, v) -> means.put(k, Math.round(v.sum() * 100.0 / n) / 100.0));
    return means;
  }

  private String jobBody() {
    ObjectNode body = Json.object();
    body.putArray("messages").addObject().put("role", "user").put("content", "Benchmark question: what makes a good cache?");
    var panel = body.putArray("analysis_models");
    panelModels(profile, panelSize).forEach(panel::add);
    body.put("model", judgeModel(profile));
    body.put("synthesizer", synthesizerModel(profile));
    return Json.toString(body);
  }

  /** The simulated panel of a run: {@code panelSize} distinct models, each carrying the latency options. */
  static List<String> panelModels(LoadProfile profile, int panelSize) {
    List<String> names = List.of("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta");
    return names.subList(0, panelSize).stream().map(n -> "sim/" + n + ";" + profile.panelOptions()).toList();
  }

  static String judgeModel(LoadProfile profile) {
    return "sim/judge;" + profile.simOptions();
  }

  static String synthesizerModel(LoadProfile profile) {
    return "sim/writer;" + profile.simOptions();
  }

  /** Reads the results topic from its end, on its own thread. */
  private final class ResultWatcher implements AutoCloseable {
    private final ResultSink sink;
    private volatile boolean running = true;
    private Thread thread;
    private final CountDownLatch positioned = new CountDownLatch(1);

    ResultWatcher(ResultSink sink) {
      this.sink = sink;
    }

    void start() throws InterruptedException {
      thread = new Thread(this::loop, "bench-results");
      thread.setDaemon(true);
      thread.start();
      positioned.await(30, TimeUnit.SECONDS);
    }

    private void loop() {
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(KafkaConfigs.consumer(bootstrap, null, "bench"))) {
        List<TopicPartition> parts = consumer.partitionsFor(results.name()).stream()
            .map(p -> new TopicPartition(results.name(), p.partition())).toList();
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position);
        positioned.countDown();
        while (running) {
          for (var r : consumer.poll(Duration.ofMillis(20))) {
            long seen = System.nanoTime();
            if (r.value() == null) {
              continue; // A tombstone.
            }
            Outcome result;
            try {
              result = Outcome.of(r.value());
            } catch (java.io.IOException e) {
              continue; // Not a result the bench wrote a job for.
            }
            if (result.jobId() != null) {
              sink.accept(result.jobId(), result, seen);
            }
          }
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(5_000);
    }
  }

  @FunctionalInterface
  private interface ResultSink {
    void accept(String jobId, Outcome result, long seenNanos);
  }
}
