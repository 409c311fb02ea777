package dev.fusion.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The Markdown lines the bench prints go into BENCHMARKS.md as they are: their columns must not drift. */
class BenchReportRowsTest {
  private static final CostMeter.Cost COST = new CostMeter.Cost(2.456, Map.of(), Map.of("fusion.jobs", 1.0,
      "fusion.results", 2.5), Map.of(), Map.of());

  @Test
  void aLoadRunIsOneRowUnderItsHeaderWithACellPerColumn() {
    // Given a load run with known figures
    Histogram latency = new Histogram(3);
    latency.recordValue(12_000);
    Histogram overhead = new Histogram(3);
    overhead.recordValue(3_000);
    var result = new BenchResult("overhead", "0", 3, 100, 3_000, 2_990, 4, 1, 0, 30, 31.5, 120, List.of(5L),
        latency, overhead, 256L * 1024 * 1024, 512L * 1024 * 1024, true, Map.of(), COST);
    // When it is written as Markdown
    String header = BenchResult.markdownHeader();
    String row = result.markdownRow();
    // Then the header names every column, and the row has the formatted figures in the same order
    assertThat(header).isEqualTo("| scenario | sim latency | rate/s | jobs | ok | errors | lost | throughput/s "
        + "| p50 ms | p90 ms | p99 ms | p99.9 ms | overhead p50 | overhead p99 | max in flight | max heap MB "
        + "| max RSS MB | CPU ms/job | records/job |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    assertThat(row).isEqualTo("| overhead | 0 | 100 | 3000 | 2986 | 5 | 0 | 95 | 12.0 | 12.0 | 12.0 | 12.0 "
        + "| 3.0 | 3.0 | 120 | 256 | 512 | 2.5 | 3.5 |" + System.lineSeparator());
  }

  @Test
  void aBatchRunIsOneRowUnderItsHeaderWithACellPerColumn() {
    // Given a batch run with known figures
    var report = new BatchBench.Report("fixed:1000", 3, 1_000, 1_000, 0, "completed", 998, 2, 1_000, 998, 2, 0, 0, 0,
        true, Map.of("model_failed", 2L), 1.25, 40, 300L * 1024 * 1024, 600L * 1024 * 1024, COST);
    // When it is written as Markdown
    String header = BatchBench.Report.markdownHeader();
    String row = report.markdownRow();
    // Then the header names every column, and the row has the formatted figures in the same order
    assertThat(header).isEqualTo("| scenario | sim latency | panel | prompts | completed | failed | lost | duplicated "
        + "| upload s | total s | prompts/s | max heap MB | max RSS MB | CPU ms/prompt | records/prompt |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    assertThat(row).isEqualTo("| batch | fixed:1000 | 3 | 1000 | 998 | 2 | 0 | 0 | 1.3 | 40.0 | 25 | 300 | 600 "
        + "| 2.5 | 3.5 |" + System.lineSeparator());
  }
}
