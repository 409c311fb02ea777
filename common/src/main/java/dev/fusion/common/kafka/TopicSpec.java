package dev.fusion.common.kafka;

import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;

/** A topic's name, serdes and creation settings, defined once in {@link Topics}. */
public record TopicSpec<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, boolean compacted,
    Map<String, String> extraConfig) {

  public Map<String, String> topicConfig() {
    var config = new java.util.HashMap<>(extraConfig);
    config.put(TopicConfig.CLEANUP_POLICY_CONFIG,
        compacted ? TopicConfig.CLEANUP_POLICY_COMPACT : TopicConfig.CLEANUP_POLICY_DELETE);
    return config;
  }

  /** The {@code max.message.bytes} this topic needs, or -1 if it sets none. */
  public int maxMessageBytes() {
    String v = extraConfig.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
    return v == null ? -1 : Integer.parseInt(v);
  }
}
