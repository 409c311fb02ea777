package dev.fusion.common.contract;

import java.util.List;

/**
 * A contract record that checks itself after deserialization: a known {@code schema_version} and the
 * fields every consumer relies on. Checks are null and range tests on fields already parsed, cheap
 * enough for every record on the hot path. {@code JsonSerde} calls {@link #validate()} for every
 * record it reads, so a wrong-shape record is a deserialization failure (poison) in every consumer.
 */
public interface Validated {
  /** @throws IllegalArgumentException naming the first field that breaks the contract */
  void validate();

  static void requireVersion(int actual, int known, String type) {
    if (actual != known) {
      throw new IllegalArgumentException(type + " has schema_version " + actual + ", expected " + known);
    }
  }

  static void require(Object field, String name) {
    if (field == null) {
      throw new IllegalArgumentException("missing " + name);
    }
  }

  static void requireText(String field, String name) {
    if (field == null || field.isEmpty()) {
      throw new IllegalArgumentException("missing " + name);
    }
  }

  /** Present, not empty, and without null elements. */
  static void requireElements(List<?> field, String name) {
    if (field == null || field.isEmpty()) {
      throw new IllegalArgumentException("missing " + name);
    }
    for (Object element : field) {
      if (element == null) {
        throw new IllegalArgumentException(name + " has a null element");
      }
    }
  }

  static void validateAll(List<? extends Validated> records, String name) {
    require(records, name);
    for (Validated r : records) {
      require(r, name + " element");
      r.validate();
    }
  }
}
