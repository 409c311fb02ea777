package dev.fusion.common.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The configuration a process would load from {@code yaml} as its config file, with {@code env} set. */
final class ConfigFiles {
  private ConfigFiles() {}

  static FusionConfig load(Path dir, String yaml, Map<String, String> env) throws Exception {
    Path file = dir.resolve("fusion.yaml");
    Files.writeString(file, yaml);
    Map<String, String> vars = new HashMap<>(env);
    vars.put("FUSION_CONFIG", file.toString());
    return FusionConfig.fromEnv(vars);
  }
}
