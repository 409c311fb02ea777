package dev.fusion.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md is the reference of every setting: this test fails when the code reads an
 * environment variable or accepts a config-file key that the reference does not list, or the reference
 * lists one the code never reads, and says exactly which names to add or remove.
 *
 * <p>What counts as read: a string literal of a setting's name in main code (every module's
 * {@code src/main/java}), e.g. {@code env.integer("FUSION_PANEL_QUORUM", 1)} or a constant such as
 * {@code INSTANCE_ID_VAR = "FUSION_INSTANCE_ID"}, and the {@code ${FUSION_...}} variables of the
 * {@code fusion} script and of the logging configuration (logback.xml). A name built at run time from a literal prefix ending in {@code _} is read as a
 * template: {@code "FUSION_PROVIDER_" + name + "_" ... p + "BASE_URL"} is {@code FUSION_PROVIDER_<NAME>_BASE_URL}
 * (the suffixes are the upper-case literals added with {@code +} in the same file; a prefix without
 * any is not a read). Documented: a
 * back-quoted name in the first cell of a table row of docs/configuration.md ({@code <NAME>} in it is any
 * name). Config-file keys: those {@link ConfigFile} accepts, against the rows of the reference's "Every
 * file key" table.
 */
class ConfigurationReferenceTest {
  /** Setting names start with one of these; other upper-case literals (enum names, fragments) are not settings. */
  static final Pattern SETTING = Pattern.compile(
      "(?:FUSION|SIM|KAFKA|OPENROUTER|OPENAI|BRAVE|TAVILY|OTEL)_[A-Z0-9_]*");
  private static final Pattern LITERAL = Pattern.compile("\"(" + SETTING.pattern() + ")\"");
  private static final Pattern SUFFIX = Pattern.compile("\\+\\s*\"([A-Z][A-Z0-9_]*|_[A-Z][A-Z0-9_]*)\"");
  private static final Pattern SCRIPT_VAR = Pattern.compile("\\$\\{?(" + SETTING.pattern() + ")");
  private static final Pattern TABLE_ROW = Pattern.compile("^\\|([^|]*)\\|");
  private static final Pattern QUOTED = Pattern.compile("`([^`]+)`");
  private static final Pattern DOC_NAME = Pattern.compile("(?:FUSION|SIM|KAFKA|OPENROUTER|OPENAI|BRAVE|TAVILY|OTEL)_"
      + "[A-Z0-9_<>]*");
  private static final String FILE_KEY_HEADING = "### Every file key";
  /** What a {@code <...>} part stands for: a name, never across a dot (so a key cannot skip a level). */
  private static final String PLACEHOLDER = "[A-Za-z0-9_ <>-]+";

  @Test
  void everyEnvironmentVariableTheCodeReadsIsDocumentedAndNoOther() {
    Path root = projectRoot();
    Set<String> read = new TreeSet<>();
    for (Path source : mainSources(root)) {
      read.addAll(namesReadBy(read(source)));
    }
    read.addAll(scriptVariables(read(root.resolve("fusion"))));
    read.addAll(scriptVariables(read(root.resolve("logging/src/main/resources/logback.xml"))));
    Set<String> documented = documentedVariables(read(root.resolve("docs/configuration.md")));

    // Sanity: the scan finds what it must, so an empty scan cannot pass.
    assertTrue(read.containsAll(List.of("KAFKA_BOOTSTRAP_SERVERS", "FUSION_INSTANCE_ID", "SIM_PORT",
        "FUSION_PROVIDER_<NAME>_BASE_URL", "FUSION_JAVA_OPTS")), () -> "the scan missed known settings: " + read);

    assertEquals("", difference(read, documented),
        "docs/configuration.md and the code disagree on environment variables");
  }

  @Test
  void everyConfigFileKeyTheCodeAcceptsIsDocumentedAndNoOther() {
    Path root = projectRoot();
    Set<String> accepted = acceptedFileKeys();
    String sources = String.join("\n", Stream.of("GatewayConfigLoader.java", "WebConfig.java", "FusionConfig.java")
        .map(f -> read(root.resolve("common/src/main/java/dev/fusion/common/config").resolve(f))).toList());
    List<String> neverRead = new ArrayList<>();
    for (String key : accepted) {
      String last = key.substring(key.lastIndexOf('.') + 1);
      if (!sources.contains("\"" + last + "\"")) {
        neverRead.add(key);
      }
    }
    assertEquals(List.of(), neverRead, "ConfigFile accepts these keys but the loaders never read them");

    Set<String> documented = documentedFileKeys(read(root.resolve("docs/configuration.md")));
    assertEquals("", difference(accepted, documented),
        "the \"" + FILE_KEY_HEADING.substring(4) + "\" table of docs/configuration.md and ConfigFile disagree");
  }

  // The checker itself: a setting added to code or docs alone is caught, by name.

  @Test
  void anUndocumentedVariableInCodeIsNamed() {
    Set<String> read = namesReadBy("""
        int x = env.integer("FUSION_NEW_KNOB", 3);
        String y = env.get("KAFKA_BOOTSTRAP_SERVERS", "a");
        """);
    Set<String> documented = documentedVariables("""
        | variable | default |
        |---|---|
        | `KAFKA_BOOTSTRAP_SERVERS` | `127.0.0.1:9092` |
        | `FUSION_GONE` | `1` |
        Text mentioning `FUSION_ELSEWHERE` is not a row.
        """);
    assertEquals("""
        read by the code but not in docs/configuration.md (add a row): FUSION_NEW_KNOB
        in docs/configuration.md but never read by the code (remove the row): FUSION_GONE""",
        difference(read, documented));
  }

  @Test
  void templatesMatchTheConcreteNamesTheyStandFor() {
    Set<String> read = new TreeSet<>(namesReadBy("""
        String p = "FUSION_PROVIDER_" + s.name.toUpperCase(Locale.ROOT) + "_";
        s.baseUrl = env.get(p + "BASE_URL", s.baseUrl);
        """));
    read.addAll(namesReadBy("""
        String key = "FUSION_PRESET_" + name;
        env.list(key + "_PANEL", panel);
        """));
    assertTrue(read.containsAll(List.of("FUSION_PROVIDER_<NAME>_BASE_URL", "FUSION_PRESET_<NAME>_PANEL")), read::toString);
    Set<String> documented = documentedVariables("""
        | `FUSION_PROVIDER_<NAME>_BASE_URL` | |
        | `FUSION_PRESET_FAST_PANEL`, `FUSION_PRESET_BUDGET_PANEL` | |
        | `FUSION_PRESET_FAST_JUDGE` | |
        """);
    assertEquals("""
        in docs/configuration.md but never read by the code (remove the row): FUSION_PRESET_FAST_JUDGE""",
        difference(read, documented));
  }

  @Test
  void aFileKeyMissingFromTheTableIsNamed() {
    Set<String> documented = documentedFileKeys("""
        ### Every file key

        | key | default | meaning |
        |---|---|---|
        | `gateway.timeout_ms` | `120000` | |
        | `providers.<name>.rate_limit.burst` | | |

        ## Next section
        | `gateway.elsewhere` | | |
        """);
    assertEquals(Set.of("gateway.timeout_ms", "providers.<name>.rate_limit.burst"), documented);
    assertEquals("read by the code but not in docs/configuration.md (add a row): gateway.max_attempts",
        difference(Set.of("gateway.timeout_ms", "gateway.max_attempts", "providers.<name>.rate_limit.burst"),
            documented));
  }

  /** Setting names a Java source reads: exact literals, and templates for prefixes that end in {@code _}. */
  static Set<String> namesReadBy(String source) {
    Set<String> names = new TreeSet<>();
    List<String> prefixes = new ArrayList<>();
    Matcher m = LITERAL.matcher(source);
    while (m.find()) {
      if (m.group(1).endsWith("_")) {
        prefixes.add(m.group(1));
      } else {
        names.add(m.group(1));
      }
    }
    if (!prefixes.isEmpty()) {
      List<String> suffixes = new ArrayList<>();
      Matcher s = SUFFIX.matcher(source);
      while (s.find()) {
        String suffix = s.group(1).startsWith("_") ? s.group(1).substring(1) : s.group(1);
        if (!suffix.isEmpty() && !SETTING.matcher(suffix).matches()) {
          suffixes.add(suffix);
        }
      }
      // A prefix with no suffix in its file is not read as a name (WebConfig cuts "FUSION_WEB_" off a name).
      for (String prefix : prefixes) {
        suffixes.forEach(suffix -> names.add(prefix + "<NAME>_" + suffix));
      }
    }
    return names;
  }

  static Set<String> scriptVariables(String script) {
    Set<String> names = new TreeSet<>();
    Matcher m = SCRIPT_VAR.matcher(script);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /** The back-quoted setting names in the first cell of every table row. */
  static Set<String> documentedVariables(String markdown) {
    Set<String> names = new TreeSet<>();
    for (String line : markdown.split("\n")) {
      Matcher row = TABLE_ROW.matcher(line);
      if (!row.find()) {
        continue;
      }
      Matcher q = QUOTED.matcher(row.group(1));
      while (q.find()) {
        if (DOC_NAME.matcher(q.group(1)).matches()) {
          names.add(q.group(1));
        }
      }
    }
    return names;
  }

  /** The back-quoted keys in the first cell of the rows of the "Every file key" table. */
  static Set<String> documentedFileKeys(String markdown) {
    Set<String> keys = new TreeSet<>();
    boolean inSection = false;
    for (String line : markdown.split("\n")) {
      if (line.startsWith("#")) {
        inSection = line.trim().equals(FILE_KEY_HEADING);
        continue;
      }
      Matcher row = TABLE_ROW.matcher(line);
      if (inSection && row.find()) {
        Matcher q = QUOTED.matcher(row.group(1));
        while (q.find()) {
          keys.add(q.group(1));
        }
      }
    }
    return keys;
  }

  /** Every key {@link ConfigFile} accepts, as a dotted path; nested mappings by their leaves. */
  static Set<String> acceptedFileKeys() {
    Map<String, Set<String>> nested = new LinkedHashMap<>();
    nested.put("rate_limit", ConfigFile.RATE_KEYS);
    nested.put("price", ConfigFile.PRICE_KEYS);
    Map<String, Set<String>> sections = new LinkedHashMap<>();
    sections.put("gateway", ConfigFile.GATEWAY_KEYS);
    sections.put("providers.<name>", ConfigFile.PROVIDER_KEYS);
    sections.put("models.<model id>", ConfigFile.MODEL_KEYS);
    sections.put("defaults", ConfigFile.DEFAULT_KEYS);
    sections.put("web", ConfigFile.WEB_KEYS);
    assertEquals(Set.of("gateway", "providers", "models", "defaults", "web"), ConfigFile.SECTIONS,
        "a new section of the config file: list it here and in the reference");
    Set<String> keys = new TreeSet<>();
    sections.forEach((section, sectionKeys) -> {
      for (String key : sectionKeys) {
        if (nested.containsKey(key)) {
          nested.get(key).forEach(leaf -> keys.add(section + "." + key + "." + leaf));
        } else {
          keys.add(section + "." + key);
        }
      }
    });
    return keys;
  }

  /**
   * "" when both sides agree; otherwise what to add to and remove from the docs, by name. A name with a
   * {@code <...>} part matches any name in its place, on either side.
   */
  static String difference(Set<String> read, Set<String> documented) {
    List<String> toAdd = read.stream().filter(r -> documented.stream().noneMatch(d -> same(r, d))).toList();
    List<String> toRemove = documented.stream().filter(d -> read.stream().noneMatch(r -> same(r, d))).toList();
    List<String> lines = new ArrayList<>();
    if (!toAdd.isEmpty()) {
      lines.add("read by the code but not in docs/configuration.md (add a row): " + String.join(", ", toAdd));
    }
    if (!toRemove.isEmpty()) {
      lines.add("in docs/configuration.md but never read by the code (remove the row): " + String.join(", ", toRemove));
    }
    return String.join("\n", lines);
  }

  private static boolean same(String a, String b) {
    return a.equals(b) || asPattern(a).matcher(b).matches() || asPattern(b).matcher(a).matches();
  }

  private static Pattern asPattern(String name) {
    StringBuilder regex = new StringBuilder();
    for (String part : name.split("<[^>]*>", -1)) {
      if (regex.length() > 0) {
        regex.append(PLACEHOLDER);
      }
      regex.append(Pattern.quote(part));
    }
    if (name.endsWith(">")) {
      regex.append(PLACEHOLDER);
    }
    return Pattern.compile(regex.toString());
  }

  private static List<Path> mainSources(Path root) {
    try (Stream<Path> modules = Files.list(root)) {
      List<Path> sources = new ArrayList<>();
      for (Path main : modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).toList()) {
        try (Stream<Path> files = Files.walk(main)) {
          files.filter(f -> f.toString().endsWith(".java")).forEach(sources::add);
        }
      }
      assertTrue(sources.size() > 50, () -> "found only " + sources.size() + " main sources under " + root);
      return sources;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The repository root: the nearest directory up from the module that holds docs/configuration.md. */
  private static Path projectRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("docs/configuration.md")) && Files.isRegularFile(p.resolve("fusion"))) {
        return p;
      }
    }
    throw new IllegalStateException("docs/configuration.md not found above " + Path.of("").toAbsolutePath());
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
