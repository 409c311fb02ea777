package dev.fusion.judge;

import dev.fusion.common.kafka.JsonSerde;
import dev.fusion.common.kafka.Topics;
import dev.fusion.common.tracing.Tracing;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The panel aggregation topology: jobs and panel answers (co-partitioned by job ID) feed one
 * processor with a RocksDB store (changelogged, cached), which emits complete panels to the panels topic.
 */
public final class JudgeTopology {
  private JudgeTopology() {}

  public static Topology build(Topics topics, PanelCompletion completion, Duration punctuateEvery,
      Duration keepDoneMarkers) {
    return build(topics, completion, punctuateEvery, keepDoneMarkers, Tracing.OFF);
  }

  /** As above, each emitted panel set a span of {@code tracing}'s. */
  public static Topology build(Topics topics, PanelCompletion completion, Duration punctuateEvery,
      Duration keepDoneMarkers, Tracing tracing) {
    Topology topology = new Topology();
    Deserializer<String> keys = Serdes.String().deserializer();
    @SuppressWarnings({"unchecked", "rawtypes"})
    Deserializer<Object> jobs = (Deserializer) topics.jobs().valueSerde().deserializer();
    @SuppressWarnings({"unchecked", "rawtypes"})
    Deserializer<Object> answers = (Deserializer) topics.panelAnswers().valueSerde().deserializer();
    topology.addSource("jobs", keys, jobs, topics.jobs().name());
    topology.addSource("answers", keys, answers, topics.panelAnswers().name());
    topology.addProcessor("aggregate", () -> new PanelAggregator(completion, punctuateEvery, keepDoneMarkers, tracing),
        "jobs", "answers");
    topology.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(PanelAggregator.STATE_STORE), Serdes.String(),
        new JsonSerde<>(PanelState.class)).withLoggingEnabled(Map.of())
        // The cache folds a panel's several updates within one commit interval into one changelog
        // record and one RocksDB write; it is flushed before every commit, so nothing is lost.
        .withCachingEnabled(), "aggregate");
    topology.addSink("panels", topics.panels().name(), Serdes.String().serializer(),
        topics.panels().valueSerde().serializer(), "aggregate");
    return topology;
  }
}
