package dev.fusion.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.Analysis;
import dev.fusion.common.contract.FailureReasons;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The judge's output contract: the JSON schema sent as {@code response_format}, and a strict check of
 * the reply against it with a precise complaint (used for the repair prompt and the failure reason).
 */
public final class AnalysisSchema {
  public static final String NAME = "fusion_analysis";
  private static final Set<String> KEYS =
      Set.of("consensus", "contradictions", "partial_coverage", "unique_insights", "blind_spots");

  private AnalysisSchema() {}

  /** Thrown when a reply is not a valid analysis; {@link #reason} is a typed failure reason. */
  public static final class Invalid extends Exception {
    public final String reason;

    Invalid(String reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }
  }

  public static JsonNode responseFormat() {
    ObjectNode format = Json.object().put("type", "json_schema");
    ObjectNode js = format.putObject("json_schema").put("name", NAME).put("strict", true);
    ObjectNode schema = js.putObject("schema");
    schema.put("type", "object").put("additionalProperties", false);
    ObjectNode props = schema.putObject("properties");
    props.set("consensus", arrayOf(string()));
    props.set("contradictions", arrayOf(object(Map.of("topic", string(),
        "stances", arrayOf(object(Map.of("model", string(), "stance", string())))))));
    props.set("partial_coverage", arrayOf(object(Map.of("point", string(), "models", arrayOf(string())))));
    props.set("unique_insights", arrayOf(object(Map.of("model", string(), "insight", string()))));
    props.set("blind_spots", arrayOf(string()));
    var required = schema.putArray("required");
    List.of("consensus", "contradictions", "partial_coverage", "unique_insights", "blind_spots").forEach(required::add);
    return format;
  }

  private static ObjectNode string() {
    return Json.object().put("type", "string");
  }

  private static ObjectNode arrayOf(JsonNode items) {
    ObjectNode a = Json.object().put("type", "array");
    a.set("items", items);
    return a;
  }

  private static ObjectNode object(Map<String, JsonNode> properties) {
    ObjectNode o = Json.object().put("type", "object").put("additionalProperties", false);
    ObjectNode props = o.putObject("properties");
    var required = o.putArray("required");
    properties.keySet().stream().sorted().forEach(k -> {
      props.set(k, properties.get(k));
      required.add(k);
    });
    return o;
  }

  /** Parses and checks a judge reply; tolerates a Markdown code fence around the JSON. */
  public static Analysis parse(String content) throws Invalid {
    if (content == null || content.isBlank()) {
      throw new Invalid(FailureReasons.JUDGE_EMPTY_COMPLETION, "the judge returned an empty completion");
    }
    String text = stripFence(content.trim());
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(text);
    } catch (Exception e) {
      throw new Invalid(FailureReasons.JUDGE_NOT_VALID_JSON, "the judge's reply is not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw new Invalid(FailureReasons.JUDGE_NOT_VALID_JSON, "the judge's reply is not a JSON object");
    }
    List<String> problems = new ArrayList<>();
    for (String key : KEYS) {
      if (!root.has(key)) {
        problems.add("missing '" + key + "'");
      } else if (!root.get(key).isArray()) {
        problems.add("'" + key + "' must be an array");
      }
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!KEYS.contains(key)) {
        problems.add("unexpected field '" + key + "'");
      }
    }
    if (problems.isEmpty()) {
      checkStrings(root.get("consensus"), "consensus", problems);
      checkStrings(root.get("blind_spots"), "blind_spots", problems);
      checkObjects(root.get("contradictions"), "contradictions", Set.of("topic", "stances"), problems);
      checkObjects(root.get("partial_coverage"), "partial_coverage", Set.of("point", "models"), problems);
      checkObjects(root.get("unique_insights"), "unique_insights", Set.of("model", "insight"), problems);
      for (JsonNode c : root.get("contradictions")) {
        if (c.path("stances").isArray()) {
          checkObjects(c.get("stances"), "contradictions[].stances", Set.of("model", "stance"), problems);
        } else {
          problems.add("contradictions[].stances must be an array");
        }
        if (!c.path("topic").isTextual()) {
          problems.add("contradictions[].topic must be a string");
        }
      }
      for (JsonNode p : root.get("partial_coverage")) {
        if (!p.path("point").isTextual()) {
          problems.add("partial_coverage[].point must be a string");
        }
        if (p.path("models").isArray()) {
          checkStrings(p.get("models"), "partial_coverage[].models", problems);
        } else {
          problems.add("partial_coverage[].models must be an array");
        }
      }
      for (JsonNode u : root.get("unique_insights")) {
        if (!u.path("model").isTextual() || !u.path("insight").isTextual()) {
          problems.add("unique_insights[] needs string 'model' and 'insight'");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new Invalid(FailureReasons.JUDGE_SCHEMA_MISMATCH,
          "the judge's reply does not match the schema: " + String.join("; ", problems.subList(0, Math.min(5, problems.size()))));
    }
    return Json.convert(root, Analysis.class);
  }

  private static void checkStrings(JsonNode array, String where, List<String> problems) {
    for (JsonNode n : array) {
      if (!n.isTextual()) {
        problems.add(where + " must hold strings");
        return;
      }
    }
  }

  private static void checkObjects(JsonNode array, String where, Set<String> keys, List<String> problems) {
    for (JsonNode n : array) {
      if (!n.isObject()) {
        problems.add(where + " must hold objects");
        return;
      }
      for (String k : keys) {
        if (!n.has(k)) {
          problems.add(where + " entries need '" + k + "'");
          return;
        }
      }
    }
  }

  static String stripFence(String text) {
    if (text.startsWith("```")) {
      int firstNewline = text.indexOf('\n');
      int lastFence = text.lastIndexOf("```");
      if (firstNewline > 0 && lastFence > firstNewline) {
        return text.substring(firstNewline + 1, lastFence).trim();
      }
    }
    return text;
  }

  /** Replaces judge labels ("Response A") with the real model IDs everywhere the analysis names one. */
  public static Analysis withModelNames(Analysis a, Map<String, String> labelToModel) {
    java.util.function.UnaryOperator<String> name = l -> labelToModel.getOrDefault(l == null ? "" : l.trim(), l);
    return new Analysis(a.consensus(),
        a.contradictions().stream().map(c -> new Analysis.Contradiction(c.topic(),
            c.stances().stream().map(s -> new Analysis.Stance(name.apply(s.model()), s.stance())).toList())).toList(),
        a.partialCoverage().stream().map(p -> new Analysis.PartialCoverage(p.point(),
            p.models().stream().map(name).toList())).toList(),
        a.uniqueInsights().stream().map(u -> new Analysis.UniqueInsight(name.apply(u.model()), u.insight())).toList(),
        a.blindSpots());
  }
}
