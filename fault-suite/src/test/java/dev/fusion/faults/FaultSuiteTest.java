package dev.fusion.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.launcher.HttpFuzzCases;
import dev.fusion.launcher.RawHttp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The fault suite (docs/reliability.md). Every stage runs as its own process against a real broker under
 * steady load; one scenario at a time injects a fault; then the suite checks what the pipeline owes:
 * every acknowledged job has a result, every Kafka submission one reply, no consumer group keeps lag,
 * poison lands on the rejections topic with a reason, and completions resume within the bound.
 *
 * <p>Run: {@code mvn -B -Pfaults -pl fault-suite -am verify -Dtest=FaultSuiteTest
 * -Dsurefire.failIfNoSpecifiedTests=false [-Dfaults.scenario=kill-panel-worker,...]}.
 */
class FaultSuiteTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration BEFORE = Duration.ofSeconds(6);
  private static final Duration AFTER = Duration.ofSeconds(20);
  private static final long RECOVERY_BOUND_MS = Long.getLong("faults.recoveryBoundMs", 15_000);
  /**
   * The bound when a broker fails rather than a stage: issue 15's 15 s is for a killed stage; a broker's
   * leadership and group coordination moving (or its return) is bounded more loosely, and measured.
   */
  private static final long BROKER_RECOVERY_BOUND_MS = Long.getLong("faults.brokerRecoveryBoundMs", 30_000);
  private static final int RATE = Integer.getInteger("faults.rate", 20);
  private static final boolean STRICT_RESULT_RECORDS = Boolean.getBoolean("faults.strictResultRecords");
  private static final List<String> COMPACTED = List.of("fusion.results", "fusion.cancellations",
      "fusion.batch.items", "fusion.batches");

  private static final Path WORK = Path.of(System.getProperty("faults.workDir", "target/faults")).toAbsolutePath();
  private static final List<Report.Row> ROWS = new ArrayList<>();
  private static Pipeline pipeline;
  private static Ledger ledger;
  private static boolean needsFreshStages = true;

  /** A scenario: a name (for -Dfaults.scenario) and what it does to the running pipeline. */
  private record Scenario(String name, Body body) {}

  @FunctionalInterface
  private interface Body {
    void run(Report.Row row) throws Exception;
  }

  private static List<Scenario> all() {
    return List.of(
        new Scenario("kill-panel-worker", row -> killAndRestart(row, () -> pipeline.panelA)),
        new Scenario("sigterm-panel-worker", FaultSuiteTest::sigtermPanelWorker),
        new Scenario("kill-judge-worker", row -> killAndRestart(row, () -> pipeline.judge)),
        new Scenario("kill-synthesizer", row -> killAndRestart(row, () -> pipeline.synthesizer)),
        new Scenario("kill-ingress", row -> killAndRestart(row, () -> pipeline.ingress)),
        new Scenario("restart-broker", FaultSuiteTest::restartBroker),
        new Scenario("simulator-429-storm", row -> misbehavingModels(row,
            n -> job(n, "[\"sim/alpha;fault=http429;retry_after=1;fail_rate=0.2\",\"sim/beta\",\"sim/gamma\"]", null, null))),
        new Scenario("simulator-hang", row -> misbehavingModels(row, n -> n % 5 == 0
            ? job(n, "[\"sim/alpha\",\"sim/beta;fault=hang\"]", n % 10 == 0 ? "sim/judge;fault=hang" : null, null)
            : Load.plainJob(n))),
        new Scenario("simulator-truncate", row -> misbehavingModels(row, n -> n % 5 == 0
            ? job(n, "[\"sim/alpha\",\"sim/gamma;fault=truncate\"]", null, n % 10 == 0 ? "sim/writer;fault=truncate" : null)
            : Load.plainJob(n))),
        new Scenario("poison", FaultSuiteTest::poison),
        new Scenario("oversized-requests", FaultSuiteTest::oversized),
        new Scenario("cross-tenant", FaultSuiteTest::crossTenant),
        new Scenario("http-fuzz", FaultSuiteTest::httpFuzz),
        new Scenario("cluster-broker-down", FaultSuiteTest::clusterBrokerDown));
  }

  @TestFactory
  Stream<DynamicTest> faultSuite() {
    Set<String> wanted = new TreeSet<>(Arrays.asList(System.getProperty("faults.scenario", "all").split(",")));
    List<Scenario> selected = all().stream().filter(s -> wanted.contains("all") || wanted.contains(s.name())).toList();
    assertThat(selected).as("scenarios named by -Dfaults.scenario=" + wanted).isNotEmpty();
    return selected.stream().map(s -> DynamicTest.dynamicTest(s.name(), () -> runScenario(s)));
  }

  private static void runScenario(Scenario scenario) throws Exception {
    Report.Row row = new Report.Row(scenario.name());
    long t0 = System.currentTimeMillis();
    try {
      if (!scenario.name().equals("cluster-broker-down")) {
        ensurePipeline();
      }
      scenario.body().run(row);
    } catch (Throwable e) {
      row.fail("scenario aborted: " + e);
    } finally {
      row.durationMs = System.currentTimeMillis() - t0;
      ROWS.add(row);
      // A failed scenario may leave a stage stuck: the next one starts on fresh stages and topics.
      needsFreshStages |= !row.passed();
      System.out.println(row.summaryLine());
    }
    assertThat(row.failures).as(scenario.name()).isEmpty();
  }

  // ---- scenarios -------------------------------------------------------------------------------------

  /** Given steady load, when a process is killed with SIGKILL and started again, then nothing is lost. */
  private static void killAndRestart(Report.Row row, java.util.function.Supplier<ChildProcess> target) throws Exception {
    try (Load load = new Load(pipeline, Load::plainJob).start(RATE, BEFORE.plus(AFTER))) {
      Waits.pass(BEFORE);
      long faultAt = System.currentTimeMillis();
      row.loadAverage = Report.loadAverage();
      ChildProcess victim = target.get();
      victim.kill();
      victim.start();
      row.faults++;
      Waits.pass(AFTER);
      settle(row, load, faultAt, true);
    }
  }

  /**
   * Given steady load on a slow panel model, when a panel worker gets SIGTERM (a rolling update, a scale-in),
   * then its readiness turns false before it exits, it exits on its own within its shutdown bound, and its
   * in-flight jobs finish there or are replayed by the other worker: none lost, none with two results.
   */
  private static void sigtermPanelWorker(Report.Row row) throws Exception {
    // Each job keeps the worker busy for a second and a half: SIGTERM always finds jobs in flight.
    IntFunction<String> slowPanel = n -> job(n, "[\"sim/alpha;latency_ms=1500\",\"sim/beta\"]", null, null);
    try (Load load = new Load(pipeline, slowPanel).start(RATE, BEFORE.plus(AFTER))) {
      Waits.pass(BEFORE);
      ChildProcess victim = pipeline.panelA;
      URI ready = URI.create(pipeline.managementUrl(victim) + "/health/ready");
      String[] lastAnswer = {"no answer"};
      if (!Waits.within(Duration.ofSeconds(90), () -> {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        lastAnswer[0] = r.statusCode() + " " + r.body();
        return r.statusCode() == 200;
      })) {
        row.fail("the panel worker was not ready before the fault; its /health/ready: " + lastAnswer[0]);
        return;
      }
      long faultAt = System.currentTimeMillis();
      row.loadAverage = Report.loadAverage();
      victim.terminate();
      row.faults++;
      boolean[] sawNotReady = {false};
      // Probe readiness until the process is gone (each probe is an HTTP round trip, bounded by its timeout).
      org.awaitility.Awaitility.await("the SIGTERM'd panel worker exits").atMost(Duration.ofSeconds(45))
          .pollInterval(Duration.ofMillis(10)).until(() -> {
            try {
              int status = HTTP.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(1)).build(),
                  HttpResponse.BodyHandlers.discarding()).statusCode();
              sawNotReady[0] |= status == 503;
            } catch (java.io.IOException e) {
              // The endpoint closes just before the process exits.
            }
            return !victim.isAlive();
          });
      long exitedMs = System.currentTimeMillis() - faultAt;
      row.notes.add("SIGTERM to exit: " + exitedMs + " ms, exit code " + victim.exitCode());
      if (!sawNotReady[0]) {
        row.fail("the panel worker's /health/ready never answered 503 between SIGTERM and its exit");
      }
      if (victim.exitCode() != 143) {
        row.fail("the panel worker did not exit as SIGTERM asks (exit code " + victim.exitCode()
            + "; 1 means it halted at its shutdown bound)");
      }
      victim.start();
      Waits.pass(AFTER);
      settle(row, load, faultAt, true);
      if (row.duplicateResultRecords > 0) {
        row.fail(row.duplicateResultRecords + " jobs have more than one record on fusion.results after a graceful stop");
      }
    }
  }

  /**
   * Given steady load, when the broker is killed and started again on its data, then nothing is lost and
   * completions resume within the bound once the broker answers again (the bound is the stages'
   * recovery: the broker's own start, a JVM and its log recovery, is reported as a note, not counted).
   */
  private static void restartBroker(Report.Row row) throws Exception {
    try (Load load = new Load(pipeline, Load::plainJob).start(RATE, BEFORE.plus(AFTER))) {
      Waits.pass(BEFORE);
      long killedAt = System.currentTimeMillis();
      row.loadAverage = Report.loadAverage();
      ChildProcess broker = pipeline.brokers.get(0);
      row.replyAcksMayBeLost = true;
      broker.kill();
      broker.start();
      row.faults++;
      Waits.until("the broker answers again", Duration.ofSeconds(90), pipeline::brokerAnswers);
      long backAt = System.currentTimeMillis();
      row.notes.add("broker answered again " + (backAt - killedAt) + " ms after the kill; stall and catch-up count from then");
      Waits.pass(AFTER);
      settle(row, load, backAt, true);
    }
  }

  /** Given models that refuse (429), hang or truncate for part of the load, then every job still ends once. */
  private static void misbehavingModels(Report.Row row, IntFunction<String> faulty) throws Exception {
    long[] faultAt = {Long.MAX_VALUE};
    java.util.concurrent.atomic.AtomicInteger misbehaving = new java.util.concurrent.atomic.AtomicInteger();
    IntFunction<String> body = n -> {
      if (System.currentTimeMillis() < faultAt[0]) {
        return Load.plainJob(n);
      }
      String job = faulty.apply(n);
      if (job.contains("fault=")) {
        misbehaving.incrementAndGet();
      }
      return job;
    };
    try (Load load = new Load(pipeline, body).start(RATE, BEFORE.plus(AFTER))) {
      Waits.pass(BEFORE);
      faultAt[0] = System.currentTimeMillis();
      row.loadAverage = Report.loadAverage();
      Waits.pass(AFTER);
      row.faults = misbehaving.get(); // jobs that named a misbehaving model
      settle(row, load, faultAt[0], false);
    }
  }

  /** Given poison on every topic, then each record is rejected with a reason and valid jobs keep completing. */
  private static void poison(Report.Row row) throws Exception {
    List<Poison.Written> written;
    try (Load load = new Load(pipeline, Load::plainJob).start(RATE, BEFORE.plus(AFTER))) {
      Waits.pass(BEFORE);
      long faultAt = System.currentTimeMillis();
      row.loadAverage = Report.loadAverage();
      written = Poison.writeEverywhere(pipeline, COMPACTED);
      row.faults = written.size();
      Waits.pass(AFTER);
      settle(row, load, faultAt, false);
    }
    Waits.within(Duration.ofSeconds(30), () -> written.stream().allMatch(w -> !ledger.rejectionsOf(w.source()).isEmpty()));
    Map<String, List<String>> missing = new TreeMap<>();
    for (Poison.Written w : written) {
      List<Ledger.Rejection> found = ledger.rejectionsOf(w.source());
      if (found.isEmpty()) {
        missing.computeIfAbsent(w.topic().substring(pipeline.prefix().length()), k -> new ArrayList<>()).add(w.kind());
      } else if (found.stream().anyMatch(r -> r.reason() == null || r.reason().isBlank())) {
        row.fail("a rejection of " + w.source() + " has no reason");
      }
    }
    missing.forEach((topic, kinds) -> row.fail("no rejection for poison on " + topic + ": " + kinds));
  }

  /** Given requests too large to carry through the pipeline, then they are refused at the door, never a 202. */
  private static void oversized(Report.Row row) throws Exception {
    String bigPrompt = "界".repeat(340_000);
    try (Load load = new Load(pipeline, Load::plainJob).start(RATE, BEFORE.plus(AFTER))) {
      Waits.pass(BEFORE);
      long faultAt = System.currentTimeMillis();
      row.loadAverage = Report.loadAverage();
      expectRefused(row, "oversized prompt", "{\"messages\":[{\"role\":\"user\",\"content\":\"" + bigPrompt + "\"}]}");
      expectRefused(row, "oversized judge model ID",
          "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"sim/judge;" + "j".repeat(900_000) + "\"}");
      // The issue's prompt as a Kafka request is over the requests topic's max.message.bytes: the broker
      // itself refuses it. One under that limit but over the job budget must be rejected by ingress.
      try {
        sendRequest(Map.of("fusion-tenant", "acme"),
            "{\"messages\":[{\"role\":\"user\",\"content\":\"" + bigPrompt + "\"}]}");
        row.fail("the broker took a Kafka request over the requests topic's max.message.bytes");
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.RecordTooLargeException)) {
          throw e;
        }
      }
      Poison.Written kafka = sendRequest(Map.of("fusion-tenant", "acme"),
          "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "界".repeat(290_000) + "\"}]}");
      row.faults = 4;
      Waits.pass(AFTER);
      settle(row, load, faultAt, false);
      if (!Waits.within(Duration.ofSeconds(20), () -> !ledger.rejectionsOf(kafka.source()).isEmpty())) {
        row.fail("the oversized Kafka request " + kafka.source() + " was not rejected to fusion.rejections");
      }
    }
  }

  /**
   * Given a finished acme job, when tenant globex asks for it over HTTP and over Kafka (a request naming
   * fusion.results as reply topic and the acme job ID as correlation ID), then acme's job is untouched.
   */
  private static void crossTenant(Report.Row row) throws Exception {
    try (Load load = new Load(pipeline, Load::plainJob).start(RATE, BEFORE.plus(AFTER))) {
      Waits.pass(BEFORE);
      String acmeJob = load.acked.stream().filter(a -> !a.kafka() && ledger.results(a.id()) > 0).findFirst()
          .orElseThrow(() -> new AssertionError("no acme job finished within " + BEFORE)).id();
      Waits.until("acme sees its job finished", Duration.ofSeconds(20), () -> resultOf(acmeJob, Pipeline.ACME_KEY) != null);
      JsonNode before = resultOf(acmeJob, Pipeline.ACME_KEY);
      long faultAt = System.currentTimeMillis();
      row.loadAverage = Report.loadAverage();
      for (String method : List.of("GET", "DELETE")) {
        int status = http(method, "/v1/jobs/" + acmeJob, Pipeline.GLOBEX_KEY, null).statusCode();
        if (status != 404) {
          row.fail("globex " + method + " of acme's job answered " + status + ", not 404");
        }
      }
      int events = http("GET", "/v1/jobs/" + acmeJob + "/events", Pipeline.GLOBEX_KEY, null).statusCode();
      if (events != 404) {
        row.fail("globex's event stream of acme's job answered " + events + ", not 404");
      }
      Poison.Written takeover = sendRequest(Map.of("fusion-tenant", "globex", "fusion-reply-to",
          pipeline.topic("fusion.results"), "fusion-correlation-id", acmeJob),
          "{\"messages\":[{\"role\":\"user\",\"content\":\"mine now\"}],\"reply_to\":\"" + pipeline.topic("fusion.results")
              + "\",\"correlation_id\":\"" + acmeJob + "\"}");
      row.faults = 4;
      Waits.pass(AFTER);
      settle(row, load, faultAt, false);
      JsonNode after = resultOf(acmeJob, Pipeline.ACME_KEY);
      if (after == null || !after.equals(before)) {
        row.fail("acme's result changed or vanished after globex's Kafka request");
      }
      int globexRead = http("GET", "/v1/jobs/" + acmeJob, Pipeline.GLOBEX_KEY, null).statusCode();
      if (globexRead != 404) {
        row.fail("after the Kafka request globex reads acme's job: " + globexRead);
      }
      if (ledger.results(acmeJob) != 1) {
        row.fail("fusion.results holds " + ledger.results(acmeJob) + " records for acme's job, not 1");
      }
      if (ledger.rejectionsOf(takeover.source()).isEmpty()) {
        row.fail("the request naming fusion.results as reply topic was not rejected to fusion.rejections");
      }
    }
  }

  /** Given thousands of malformed requests while valid jobs run, then each gets a 4xx in the OpenAI shape. */
  private static void httpFuzz(Report.Row row) throws Exception {
    int count = Integer.getInteger("faults.fuzzCount", 2_000);
    try (Load load = new Load(pipeline, Load::plainJob).start(Math.max(1, RATE / 2), Duration.ofMinutes(3))) {
      Waits.pass(Duration.ofSeconds(3));
      long faultAt = System.currentTimeMillis();
      row.loadAverage = Report.loadAverage();
      // The normal suite's generator (HttpFuzzTest), with acme's key on every well-formed request.
      HttpFuzzCases.Generator generator = new HttpFuzzCases.Generator(new Random(15L),
          "Authorization: Bearer " + Pipeline.ACME_KEY);
      Map<String, String> badByKind = new LinkedHashMap<>();
      int bad = 0;
      for (int i = 0; i < count; i++) {
        HttpFuzzCases.Case c = generator.next();
        String problem = HttpFuzzCases.problem(c, RawHttp.exchange(pipeline.httpPort(), c.head(), c.body()));
        if (problem != null) {
          bad++;
          badByKind.putIfAbsent(c.kind(), c.describe() + ": " + problem);
        }
      }
      row.faults = count;
      badByKind.forEach((kind, problem) -> row.fail("fuzz " + kind + ": " + problem));
      if (bad > 0) {
        row.fail(bad + " of " + count + " fuzz answers were not the right 4xx in the OpenAI error shape");
      }
      load.stop();
      settle(row, load, faultAt, false);
    }
  }

  /** Given a 3-broker cluster (replication 3, min ISR 2), when the panel group's coordinator dies, then nothing is lost. */
  private static void clusterBrokerDown(Report.Row row) throws Exception {
    closePipeline(); // one deployment at a time on this machine
    pipeline = new Pipeline(classpath(), WORK.resolve("cluster"), 3, staticMembership());
    startStages();
    try (Load load = new Load(pipeline, Load::plainJob).start(RATE, BEFORE.plus(AFTER))) {
      Waits.pass(BEFORE);
      int coordinator = pipeline.admin().describeConsumerGroups(List.of(pipeline.topic("fusion-panel-worker")))
          .all().get().values().iterator().next().coordinator().id();
      long faultAt = System.currentTimeMillis();
      row.loadAverage = Report.loadAverage();
      row.replyAcksMayBeLost = true;
      pipeline.brokers.get(coordinator - 1).kill();
      row.faults = 1;
      row.notes.add("killed broker " + coordinator + " (the panel group's coordinator) and left it down");
      Waits.pass(AFTER);
      settle(row, load, faultAt, true);
    } finally {
      closePipeline();
    }
  }

  // ---- the checks every scenario ends with ------------------------------------------------------------

  /**
   * Stops the load and checks what the pipeline owes for every acknowledged submission: a result (none
   * lost), one reply per Kafka submission, no lag left in any group; and, for a crash, the recovery time.
   */
  private static void settle(Report.Row row, Load load, long faultAt, boolean measureRecovery) throws Exception {
    load.stop();
    List<Load.Ack> acked = List.copyOf(load.acked);
    row.submitted = load.attemptedHttp.get() + load.attemptedKafka.get();
    row.acknowledged = acked.size();
    Waits.within(Duration.ofSeconds(90), () -> acked.stream().allMatch(a -> jobOf(a) != null && ledger.results(jobOf(a)) > 0));
    Waits.within(Duration.ofSeconds(20), () -> acked.stream().filter(Load.Ack::kafka)
        .allMatch(a -> ledger.repliesByCorrelation.getOrDefault(a.id(), 0) > 0));
    boolean drained = Waits.within(Duration.ofSeconds(60), () -> pipeline.lagByGroup().values().stream().allMatch(l -> l == 0));
    // Drained groups mean the last results and replies are written; give the ledger a moment to read them.
    Waits.within(Duration.ofSeconds(15), () -> acked.stream().allMatch(a -> jobOf(a) != null && ledger.results(jobOf(a)) > 0
        && (!a.kafka() || ledger.repliesByCorrelation.getOrDefault(a.id(), 0) > 0)));
    if (!drained) {
      String lag;
      try {
        lag = pipeline.lagByGroup().toString();
      } catch (Exception e) {
        lag = "unknown (" + e.getMessage() + ")";
      }
      row.fail("consumer lag did not drain (a stage is stuck): " + lag);
    }
    for (Load.Ack a : acked) {
      String job = jobOf(a);
      int results = job == null ? 0 : ledger.results(job);
      if (results == 0) {
        row.lost++;
      } else if (results > 1) {
        row.duplicateResultRecords++;
      }
      if (a.kafka()) {
        int replies = ledger.repliesByCorrelation.getOrDefault(a.id(), 0);
        if (replies > 1) {
          row.duplicateReplies++;
        } else if (replies == 0 && results > 0) {
          row.missingReplies++;
        }
      }
    }
    if (row.lost > 0) {
      row.fail(row.lost + " acknowledged jobs have no result");
    }
    if (row.missingReplies > 0 || row.duplicateReplies > 0 && !row.replyAcksMayBeLost) {
      row.fail(row.duplicateReplies + " Kafka submissions got more than one reply, " + row.missingReplies + " none");
    } else if (row.duplicateReplies > 0) {
      row.notes.add(row.duplicateReplies + " Kafka submissions got a second reply: its first send's acknowledgement"
          + " was lost with the broker (at-least-once across broker failures)");
    }
    if (STRICT_RESULT_RECORDS && row.duplicateResultRecords > 0) {
      row.fail(row.duplicateResultRecords + " jobs have more than one record on fusion.results");
    }
    row.notes.add("load average when the fault was injected: " + row.loadAverage);
    long caughtUp = caughtUpAt(acked, faultAt);
    row.caughtUpMs = caughtUp < 0 ? -1 : caughtUp - faultAt;
    row.stallMs = ledger.longestGap(faultAt, caughtUp < 0 ? System.currentTimeMillis() : caughtUp);
    if (measureRecovery) {
      row.notes.add(recoveryBreakdown(acked, faultAt));
    }
    long bound = row.replyAcksMayBeLost ? BROKER_RECOVERY_BOUND_MS : RECOVERY_BOUND_MS;
    if (row.stallMs > bound) {
      row.fail("no job completed for " + row.stallMs + " ms after the fault; the bound is " + bound + " ms");
    }
  }

  /**
   * When every job acknowledged before the fault had its result and so did the first one acknowledged
   * after it (the pipeline caught up with the fault); -1 if some never finished.
   */
  private static long caughtUpAt(List<Load.Ack> acked, long faultAt) {
    long lastOfBefore = faultAt;
    long firstOfAfter = Long.MAX_VALUE;
    for (Load.Ack a : acked) {
      String job = jobOf(a);
      long done = job == null ? -1 : ledger.completedAt(job);
      if (done < 0) {
        return -1;
      }
      if (a.atMs() < faultAt) {
        lastOfBefore = Math.max(lastOfBefore, done);
      } else {
        firstOfAfter = Math.min(firstOfAfter, done);
      }
    }
    return Math.max(lastOfBefore, firstOfAfter == Long.MAX_VALUE ? faultAt : firstOfAfter);
  }

  /** What the recovery time is made of, for the notes: the jobs the fault caught open and when they finished. */
  private static String recoveryBreakdown(List<Load.Ack> acked, long faultAt) {
    int open = 0;
    long lastOfBefore = -1;
    long firstOfAfter = -1;
    for (Load.Ack a : acked) {
      String job = jobOf(a);
      long done = job == null ? -1 : ledger.completedAt(job);
      if (a.atMs() < faultAt && done > faultAt) {
        open++;
        lastOfBefore = Math.max(lastOfBefore, done - faultAt);
      } else if (a.atMs() >= faultAt && done > 0) {
        firstOfAfter = firstOfAfter < 0 ? done - faultAt : Math.min(firstOfAfter, done - faultAt);
      }
    }
    return open + " jobs acknowledged before the fault finished after it, the last at +" + lastOfBefore
        + " ms; the first job acknowledged after the fault finished at +" + firstOfAfter + " ms";
  }

  private static String jobOf(Load.Ack a) {
    return a.kafka() ? ledger.jobByCorrelation.get(a.id()) : a.id();
  }

  // ---- plumbing ---------------------------------------------------------------------------------------

  private static void ensurePipeline() throws Exception {
    if (pipeline == null) {
      Pipeline.deleteQuietly(WORK);
      pipeline = new Pipeline(classpath(), WORK, 1, staticMembership());
      needsFreshStages = true;
    }
    if (needsFreshStages) {
      startStages();
    }
  }

  private static void startStages() throws Exception {
    if (ledger != null) {
      ledger.close();
    }
    pipeline.restartStages(System.getProperty("faults.replyTopic", "faults.replies"));
    Waits.until("both ingress instances are healthy", Duration.ofSeconds(150), () -> {
      for (String base : pipeline.baseUrls()) {
        HttpRequest health = HttpRequest.newBuilder(URI.create(base + "/health")).timeout(Duration.ofSeconds(5)).build();
        if (HTTP.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
          return false;
        }
      }
      return true;
    });
    ledger = new Ledger(pipeline);
    // Warm-up: one job all the way through before any clock starts.
    HttpResponse<String> first = http("POST", "/v1/jobs", Pipeline.ACME_KEY, Load.plainJob(-1));
    assertThat(first.statusCode()).as("warm-up submission: " + first.body()).isEqualTo(202);
    String id = JSON.readTree(first.body()).path("id").asText();
    Waits.until("the warm-up job completes", Duration.ofSeconds(150), () -> ledger.results(id) > 0);
    needsFreshStages = false;
  }

  private static void closePipeline() {
    if (ledger != null) {
      ledger.close();
      ledger = null;
    }
    if (pipeline != null) {
      pipeline.close();
      pipeline = null;
    }
    needsFreshStages = true;
  }

  private static String job(int n, String panel, String judge, String synthesizer) {
    return "{\"messages\":[{\"role\":\"user\",\"content\":\"fault suite question " + n + "\"}],\"analysis_models\":" + panel
        + (judge == null ? "" : ",\"model\":\"" + judge + "\"")
        + (synthesizer == null ? "" : ",\"synthesizer\":\"" + synthesizer + "\"") + "}";
  }

  private static void expectRefused(Report.Row row, String what, String body) throws Exception {
    HttpResponse<String> response = http("POST", "/v1/jobs", Pipeline.ACME_KEY, body);
    String problem = HttpFuzzCases.problem(response.statusCode(),
        response.headers().firstValue("content-type").orElse(null), response.body(), Set.of(400, 413));
    if (response.statusCode() != 400 && response.statusCode() != 413) {
      row.fail(what + " (" + body.getBytes(StandardCharsets.UTF_8).length + " bytes) answered " + response.statusCode()
          + ", not 413/400");
    } else if (problem != null) {
      row.fail(what + ": " + problem);
    }
  }

  private static Poison.Written sendRequest(Map<String, String> headers, String body) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrap(),
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_040_000,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
      var record = new ProducerRecord<byte[], byte[]>(pipeline.topic("fusion.requests"), null,
          body.getBytes(StandardCharsets.UTF_8));
      headers.forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
      var meta = producer.send(record).get();
      return new Poison.Written(record.topic(), "request", record.topic() + "-" + meta.partition() + "@" + meta.offset());
    }
  }

  /** The job's result as its owner sees it over HTTP, or null while it has none. */
  private static JsonNode resultOf(String jobId, String key) throws Exception {
    HttpResponse<String> r = http("GET", "/v1/jobs/" + jobId, key, null);
    JsonNode result = r.statusCode() == 200 ? JSON.readTree(r.body()).get("result") : null;
    return result == null || result.isNull() ? null : result;
  }

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  private static HttpResponse<String> http(String method, String path, String key, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(pipeline.baseUrl() + path)).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("authorization", "Bearer " + key);
    }
    if (body != null) {
      b.header("content-type", "application/json");
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String classpath() throws Exception {
    String file = System.getProperty("faults.classpathFile", "target/stage-classpath.txt");
    return Files.readString(Path.of(file)).trim();
  }

  private static boolean staticMembership() {
    return Boolean.getBoolean("faults.staticMembership");
  }

  @AfterAll
  static void writeResults() throws Exception {
    closePipeline();
    ChildProcess.killAll();
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("rate (jobs/s)", Integer.toString(RATE));
    settings.put("recovery bound (ms)", Long.toString(RECOVERY_BOUND_MS));
    settings.put("recovery bound when a broker fails (ms)", Long.toString(BROKER_RECOVERY_BOUND_MS));
    settings.put("static membership (plain consumers)", Boolean.toString(staticMembership()));
    settings.put("finished", Instant.now().toString());
    Path out = WORK.getParent().resolve("fault-results.md");
    Files.writeString(out, Report.markdown(ROWS, settings));
    System.out.println("\n" + Report.markdown(ROWS, settings) + "\nwritten to " + out);
  }
}
