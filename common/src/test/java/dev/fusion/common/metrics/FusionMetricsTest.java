package dev.fusion.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.management.ProcessMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Fusion's meters: names and labels as scraped, made once per label set, labels bounded. */
class FusionMetricsTest {
  private final ProcessMetrics process = new ProcessMetrics();
  private final FusionMetrics metrics = new FusionMetrics(process);

  @AfterEach
  void close() {
    process.close();
  }

  @Test
  void modelCallsAreCountedUnderTheModelWithoutItsOptionsWithTokensCostAndDuration() {
    metrics.model("sim/alpha;latency_ms=5", FusionMetrics.STAGE_PANEL).called("ok", 120, 10, 20, 3, 0.5);
    metrics.model("sim/alpha", FusionMetrics.STAGE_PANEL).called("timeout", 2_000, 0, 0, 0, null);
    metrics.modelRetry("sim/alpha;fault=http500", "upstream_error");
    String text = process.scrape();
    assertThat(text)
        .contains("fusion_model_calls_total{model=\"sim/alpha\",outcome=\"ok\",stage=\"panel\"} 1")
        .contains("fusion_model_calls_total{model=\"sim/alpha\",outcome=\"timeout\",stage=\"panel\"} 1")
        .contains("fusion_model_tokens_total{kind=\"prompt\",model=\"sim/alpha\",stage=\"panel\"} 10")
        .contains("fusion_model_tokens_total{kind=\"completion\",model=\"sim/alpha\",stage=\"panel\"} 20")
        .contains("fusion_model_tokens_total{kind=\"reasoning\",model=\"sim/alpha\",stage=\"panel\"} 3")
        .contains("fusion_model_cost_usd_total{model=\"sim/alpha\",stage=\"panel\"} 0.5")
        .contains("fusion_model_call_duration_seconds_count{model=\"sim/alpha\",stage=\"panel\"} 2")
        .contains("fusion_model_retries_total{model=\"sim/alpha\",reason=\"upstream_error\"} 1")
        .doesNotContain("latency_ms").doesNotContain("fault=");
  }

  @Test
  void aLabelSetsMetersAreMadeOnceAndKept() {
    assertThat(metrics.model("m", "panel")).isSameAs(metrics.model("m", "panel"))
        .isSameAs(metrics.model("m;x=1", "panel")).isNotSameAs(metrics.model("m", "judge"));
    assertThat(metrics.stageDuration("panel")).isSameAs(metrics.stageDuration("panel"));
  }

  @Test
  void pastTheBoundFurtherModelsAreCountedAsOther() {
    for (int i = 0; i < FusionMetrics.MAX_MODELS + 50; i++) {
      metrics.model("vendor/model-" + i, "panel").called("ok", 1, 0, 0, 0, null);
    }
    long series = process.scrape().lines().filter(l -> l.startsWith("fusion_model_calls_total{")).count();
    assertThat(series).isEqualTo(FusionMetrics.MAX_MODELS + 1);
    assertThat(process.scrape()).contains("fusion_model_calls_total{model=\"other\",outcome=\"ok\",stage=\"panel\"} 50");
    // A model seen before the bound keeps its own label
    metrics.model("vendor/model-0", "panel").called("ok", 1, 0, 0, 0, null);
    assertThat(process.scrape()).contains("fusion_model_calls_total{model=\"vendor/model-0\",outcome=\"ok\",stage=\"panel\"} 2");
  }

  @Test
  void jobsAreCountedBySourceAndByStatusAndReasonWithTheirDuration() {
    metrics.jobAccepted(FusionMetrics.SOURCE_KAFKA);
    metrics.jobFinished("completed", null, System.currentTimeMillis() - 1_500);
    metrics.jobFinished("failed", "all_panels_failed", System.currentTimeMillis() - 100);
    metrics.batchLine("invalid");
    String text = process.scrape();
    assertThat(text).contains("fusion_jobs_accepted_total{source=\"kafka\"} 1")
        .contains("fusion_jobs_finished_total{reason=\"none\",status=\"completed\"} 1")
        .contains("fusion_jobs_finished_total{reason=\"all_panels_failed\",status=\"failed\"} 1")
        .contains("fusion_job_duration_seconds_count 2")
        .contains("fusion_job_duration_seconds_bucket{le=\"2.5\"} 2")
        .contains("fusion_job_duration_seconds_bucket{le=\"1.0\"} 1")
        .contains("fusion_batch_lines_total{status=\"invalid\"} 1");
  }
}
