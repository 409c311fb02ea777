package dev.fusion.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code fusion batch --order input}: holds back the results that finished before an earlier line's,
 * and releases them once everything before them is out, so the output follows the input's order. What
 * is written is always a prefix of that order, so an interrupted run leaves nothing out of place: a rerun
 * expects only the custom IDs not yet in the output and goes on from there.
 */
final class InputOrder {
  /** The custom IDs still to write, in input order (each at its first line). */
  private final List<String> expected;
  private final Map<String, Integer> position = new HashMap<>();
  /** Custom IDs that will get no result (rejected lines, lines a cancel kept from running). */
  private final Set<String> skipped = new HashSet<>();
  private final Map<String, JsonNode> held = new HashMap<>();
  /** Results for custom IDs the input does not name where expected: written last, in arrival order. */
  private final Map<String, JsonNode> strays = new LinkedHashMap<>();
  private int next;

  /** {@code idsInInputOrder}: the input's custom IDs, first occurrences, minus those already written. */
  InputOrder(List<String> idsInInputOrder) {
    expected = new ArrayList<>();
    for (String id : idsInInputOrder) {
      if (position.putIfAbsent(id, expected.size()) == null) {
        expected.add(id);
      }
    }
  }

  /** Takes a finished result; returns the results that may be written now, in order (often none). */
  List<JsonNode> accept(JsonNode result) {
    String id = result.path("custom_id").asText();
    Integer at = position.get(id);
    if (at != null && at < next && !skipped.contains(id)) {
      return List.of(); // written already (the results endpoint answers every finished line on each call)
    }
    if (at == null || skipped.contains(id)) {
      strays.putIfAbsent(id, result);
      return List.of();
    }
    held.putIfAbsent(id, result);
    return release();
  }

  /** A custom ID that will get no result, so later ones need not wait for it. */
  List<JsonNode> skip(String customId) {
    if (position.containsKey(customId) && !held.containsKey(customId)) {
      skipped.add(customId);
    }
    return release();
  }

  /** The batch is over: everything still held, in input order, then any strays. */
  List<JsonNode> drain() {
    List<JsonNode> out = new ArrayList<>();
    for (; next < expected.size(); next++) {
      JsonNode result = held.remove(expected.get(next));
      if (result != null) {
        out.add(result);
      }
    }
    out.addAll(strays.values());
    strays.clear();
    return out;
  }

  /** How many finished results wait for an earlier line's. */
  int heldBack() {
    return held.size();
  }

  private List<JsonNode> release() {
    List<JsonNode> out = new ArrayList<>();
    while (next < expected.size()) {
      String id = expected.get(next);
      JsonNode result = held.remove(id);
      if (result != null) {
        out.add(result);
      } else if (!skipped.contains(id)) {
        break;
      }
      next++;
    }
    return out;
  }
}
