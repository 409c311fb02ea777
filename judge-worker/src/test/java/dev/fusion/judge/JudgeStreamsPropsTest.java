package dev.fusion.judge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.config.FusionConfig;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** The aggregation's Streams settings follow the configured guarantee and its commit interval. */
class JudgeStreamsPropsTest {

  private static Properties props(Map<String, String> env) {
    return JudgeWorker.streamsProps(FusionConfig.fromEnv(env), "fusion.rejections");
  }

  @Test
  void atLeastOnceByDefaultCommittingEvery20Ms() {
    Properties p = props(Map.of());

    assertThat(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.AT_LEAST_ONCE);
    assertThat(p.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(20L);
  }

  @Test
  void exactlyOnceWhenConfigured() {
    Properties p = props(Map.of("FUSION_STREAMS_GUARANTEE", "exactly_once_v2"));

    assertThat(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
    assertThat(p.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(20L);
  }

  @Test
  void theConfiguredIntervalReachesStreams() {
    assertThat(props(Map.of("FUSION_STREAMS_COMMIT_MS", "40")).get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG))
        .isEqualTo(40L);
  }
}
