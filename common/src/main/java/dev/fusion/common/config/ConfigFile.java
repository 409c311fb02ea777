package dev.fusion.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The optional config file named by {@code FUSION_CONFIG}: YAML (so JSON works too) with the sections
 * {@code gateway}, {@code providers}, {@code models}, {@code defaults} and {@code web}. Unknown keys are errors, so
 * a typo does not silently fall back to a default. Secrets never live here: a provider names the
 * environment variable that holds its key.
 */
final class ConfigFile {
  static final Set<String> SECTIONS = Set.of("gateway", "providers", "models", "defaults", "web");
  static final Set<String> GATEWAY_KEYS = Set.of("timeout_ms", "first_token_timeout_ms", "max_attempts",
      "backoff_ms", "max_backoff_ms", "pool_size", "queue_limit", "saturation_threshold");
  static final Set<String> PROVIDER_KEYS = Set.of("base_url", "api_key_env", "api_key_optional", "prefixes",
      "strip_prefix", "max_concurrency", "rate_limit", "usage_accounting", "http2", "web_tools", "headers", "enabled");
  static final Set<String> MODEL_KEYS = Set.of("max_concurrency", "rate_limit", "price", "fallbacks");
  static final Set<String> RATE_KEYS = Set.of("requests_per_second", "burst");
  static final Set<String> PRICE_KEYS = Set.of("prompt", "completion");
  static final Set<String> DEFAULT_KEYS = Set.of("panel", "judge", "synthesizer");
  static final Set<String> WEB_KEYS = Set.copyOf(WebConfig.FILE_KEYS);

  private final String source;
  private final JsonNode root;

  private ConfigFile(String source, JsonNode root) {
    this.source = source;
    this.root = root == null || root.isNull() || root.isMissingNode() ? MissingNode.getInstance() : root;
    if (!this.root.isMissingNode()) {
      requireObject(this.root, "the file");
      checkKeys(this.root, SECTIONS, "the top level");
      section("gateway").ifObject(g -> checkKeys(g, GATEWAY_KEYS, "gateway"));
      section("defaults").ifObject(d -> checkKeys(d, DEFAULT_KEYS, "defaults"));
      section("web").ifObject(w -> checkKeys(w, WEB_KEYS, "web"));
      forEachEntry(section("providers").node, (name, p) -> {
        requireObject(p, "providers." + name);
        checkKeys(p, PROVIDER_KEYS, "providers." + name);
        if (p.has("rate_limit")) {
          checkKeys(p.get("rate_limit"), RATE_KEYS, "providers." + name + ".rate_limit");
        }
      });
      forEachEntry(section("models").node, (name, m) -> {
        requireObject(m, "models." + name);
        checkKeys(m, MODEL_KEYS, "models." + name);
        if (m.has("rate_limit")) {
          checkKeys(m.get("rate_limit"), RATE_KEYS, "models." + name + ".rate_limit");
        }
        if (m.has("price")) {
          checkKeys(m.get("price"), PRICE_KEYS, "models." + name + ".price");
        }
      });
    }
  }

  static ConfigFile empty() {
    return new ConfigFile("(none)", null);
  }

  static ConfigFile read(Path path) {
    try {
      return parse(path.toString(), Files.readString(path));
    } catch (IOException e) {
      throw new IllegalArgumentException("FUSION_CONFIG: cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  static ConfigFile parse(String source, String text) {
    try {
      return new ConfigFile(source, new YAMLMapper().readTree(text));
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is not valid YAML: " + e.getMessage(), e);
    }
  }

  String source() {
    return source;
  }

  Section section(String name) {
    return new Section(root.path(name));
  }

  /** Wraps a node so typed reads name the offending key in their errors. */
  final class Section {
    final JsonNode node;

    Section(JsonNode node) {
      this.node = node;
    }

    boolean present() {
      return !node.isMissingNode() && !node.isNull();
    }

    void ifObject(java.util.function.Consumer<JsonNode> action) {
      if (present()) {
        requireObject(node, "a section");
        action.accept(node);
      }
    }
  }

  static void forEachEntry(JsonNode node, java.util.function.BiConsumer<String, JsonNode> action) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return;
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("expected a mapping of names, got " + node.getNodeType());
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      var e = it.next();
      action.accept(e.getKey(), e.getValue());
    }
  }

  private void checkKeys(JsonNode node, Set<String> allowed, String where) {
    requireObject(node, where);
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException(source + ": unknown key '" + key + "' in " + where + " (allowed: "
            + String.join(", ", allowed.stream().sorted().toList()) + ")");
      }
    }
  }

  private void requireObject(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(source + ": " + where + " must be a mapping");
    }
  }

  static Long longOrNull(JsonNode node, String key, String where) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.canConvertToLong() || !v.isIntegralNumber()) {
      throw new IllegalArgumentException(where + "." + key + " must be an integer, got '" + v.asText() + "'");
    }
    return v.asLong();
  }

  static Double doubleOrNull(JsonNode node, String key, String where) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isNumber()) {
      throw new IllegalArgumentException(where + "." + key + " must be a number, got '" + v.asText() + "'");
    }
    return v.asDouble();
  }

  static String stringOrNull(JsonNode node, String key, String where) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(where + "." + key + " must be a string");
    }
    return v.asText();
  }

  static Boolean boolOrNull(JsonNode node, String key, String where) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isBoolean()) {
      throw new IllegalArgumentException(where + "." + key + " must be true or false");
    }
    return v.asBoolean();
  }

  static List<String> stringsOrNull(JsonNode node, String key, String where) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isTextual()) {
      return List.of(v.asText());
    }
    if (!v.isArray()) {
      throw new IllegalArgumentException(where + "." + key + " must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    v.forEach(e -> {
      if (!e.isTextual()) {
        throw new IllegalArgumentException(where + "." + key + " must be a list of strings");
      }
      out.add(e.asText());
    });
    return out;
  }
}
