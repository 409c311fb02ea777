package dev.fusion.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The judge aggregation's guarantee and commit interval as the environment sets them. */
class StreamsSettingsTest {

  @Test
  void atLeastOnceCommittingEvery20MsByDefault() {
    FusionConfig config = FusionConfig.fromEnv(Map.of());

    assertThat(config.streamsExactlyOnce()).isFalse();
    assertThat(config.streamsCommitInterval()).isEqualTo(Duration.ofMillis(20));
    assertThat(FusionConfig.fromEnv(Map.of("FUSION_STREAMS_GUARANTEE", "exactly_once_v2")).streamsExactlyOnce())
        .isTrue();
  }

  @Test
  void anExplicitIntervalWinsUnderEitherGuarantee() {
    assertThat(FusionConfig.fromEnv(Map.of("FUSION_STREAMS_COMMIT_MS", "250")).streamsCommitInterval())
        .isEqualTo(Duration.ofMillis(250));
    assertThat(FusionConfig.fromEnv(Map.of("FUSION_STREAMS_GUARANTEE", "exactly_once_v2",
        "FUSION_STREAMS_COMMIT_MS", "5")).streamsCommitInterval()).isEqualTo(Duration.ofMillis(5));
  }

  @Test
  void anIntervalOutOfRangeOrNotANumberIsRefusedByName() {
    assertThatThrownBy(() -> FusionConfig.fromEnv(Map.of("FUSION_STREAMS_COMMIT_MS", "0")))
        .hasMessageContaining("FUSION_STREAMS_COMMIT_MS").hasMessageContaining("from 1 to 60000").hasMessageContaining("'0'");
    assertThatThrownBy(() -> FusionConfig.fromEnv(Map.of("FUSION_STREAMS_COMMIT_MS", "3600000")))
        .hasMessageContaining("FUSION_STREAMS_COMMIT_MS");
    assertThatThrownBy(() -> FusionConfig.fromEnv(Map.of("FUSION_STREAMS_COMMIT_MS", "fast")))
        .hasMessageContaining("FUSION_STREAMS_COMMIT_MS must be a whole number of milliseconds");
  }

  @Test
  void anUnknownGuaranteeIsRefusedByName() {
    assertThatThrownBy(() -> FusionConfig.fromEnv(Map.of("FUSION_STREAMS_GUARANTEE", "exactly_once")))
        .hasMessageContaining("FUSION_STREAMS_GUARANTEE");
  }
}
