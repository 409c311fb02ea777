package dev.fusion.common.kafka;

import dev.fusion.common.Json;
import dev.fusion.common.contract.Validated;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka serde for one contract record type, using the shared {@link Json} mapper. Reading also
 * checks the record's contract ({@link Validated}): a wrong-shape record is a {@link
 * SerializationException}, which every consumer loop treats as poison. A null value (tombstone) stays
 * null; the JSON literal {@code null} is not a tombstone and is rejected.
 */
public final class JsonSerde<T> implements Serde<T> {
  private final Class<T> type;

  public JsonSerde(Class<T> type) {
    this.type = type;
  }

  public Class<T> type() {
    return type;
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> value == null ? null : Json.toBytes(value);
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      T value;
      try {
        value = Json.fromBytes(bytes, type);
      } catch (RuntimeException e) {
        throw new SerializationException("not a valid " + type.getSimpleName() + " on " + topic + ": "
            + FailureKind.describe(e), e);
      }
      if (value == null) {
        throw new SerializationException("not a valid " + type.getSimpleName() + " on " + topic + ": JSON null");
      }
      if (value instanceof Validated contract) {
        try {
          contract.validate();
        } catch (RuntimeException e) {
          throw new SerializationException(type.getSimpleName() + " on " + topic + " breaks its contract: "
              + e.getMessage());
        }
      }
      return value;
    };
  }
}
