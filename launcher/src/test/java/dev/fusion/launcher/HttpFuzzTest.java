package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A generated HTTP fuzz against every public endpoint of a running ingress (real broker, real HTTP):
 * malformed, truncated, wrong-typed, deeply nested, oversized and non-UTF-8 JSON bodies, wrong content
 * types, random job and batch IDs, bad query strings, unknown methods and paths, and codec-level abuse
 * (huge headers and URLs, malformed request lines and headers, raw bytes in the URL) over raw sockets.
 * Every request is invalid by construction, so every answer must be a 4xx in the OpenAI error shape
 * with a JSON content type: never a 5xx, a hang or a connection closed without an answer. Afterwards
 * nothing has logged "Unhandled exception" and a valid job still completes.
 *
 * <p>Bounded and deterministic: {@value #DEFAULT_CASES} cases from a fixed seed (printed; rerun one with
 * {@code -Dfusion.fuzz.seed=N}, more with {@code -Dfusion.fuzz.cases=N}).
 */
class HttpFuzzTest extends SharedPipelineTestBase {
  static final long DEFAULT_SEED = 20261202L;
  static final int DEFAULT_CASES = 2000;
  @Test
  void everyHostileRequestIsA4xxInTheErrorShapeAndAValidJobStillCompletes() throws Exception {
    long seed = Long.getLong("fusion.fuzz.seed", DEFAULT_SEED);
    int cases = Integer.getInteger("fusion.fuzz.cases", DEFAULT_CASES);
    System.out.println("HttpFuzzTest: seed " + seed + ", " + cases + " cases (rerun with -Dfusion.fuzz.seed=" + seed + ")");
    HttpFuzzCases.Generator generator = new HttpFuzzCases.Generator(new Random(seed));
    Map<String, Integer> byKind = new LinkedHashMap<>();
    List<String> failures = new ArrayList<>();
    Map<String, Integer> failedKinds = new LinkedHashMap<>();
    Map<String, Long> msByKind = new LinkedHashMap<>();
    String logged;
    long started = System.nanoTime();
    try (StderrCapture stderr = new StderrCapture()) {
      for (int i = 0; i < cases; i++) {
        HttpFuzzCases.Case c = generator.next();
        byKind.merge(c.kind(), 1, Integer::sum);
        long sent = System.nanoTime();
        RawHttp.Response r = RawHttp.exchange(stack.httpPort(), c.head(), c.body());
        msByKind.merge(c.kind(), (System.nanoTime() - sent) / 1_000_000, Long::sum);
        String problem = HttpFuzzCases.problem(c, r);
        if (problem != null) {
          failedKinds.merge(c.kind(), 1, Integer::sum);
          String line = "#" + i + " " + c.describe() + ": " + problem;
          System.out.println("HttpFuzzTest: FAILED " + line);
          if (failures.size() < 25) {
            failures.add(line);
          }
        }
      }
      logged = stderr.text();
    }
    System.out.println("HttpFuzzTest: " + cases + " requests in " + (System.nanoTime() - started) / 1_000_000
        + " ms; cases by kind " + byKind + "; ms by kind " + msByKind);
    assertThat(failures).as("requests answered wrongly (seed " + seed + "), by kind " + failedKinds).isEmpty();
    assertThat(logged).doesNotContain("Unhandled exception").doesNotContain("unexpected error");

    // The server is still healthy: a valid job submitted after the fuzz completes.
    JobsTestClient client = new JobsTestClient(stack.httpPort(), null);
    String id = client.submit(PipelineHarness.jobBody("Still there after the fuzz?", "sim/alpha", "sim/beta"));
    assertThat(client.awaitTerminal(id).path("status").asText()).isEqualTo("completed");
  }
}
