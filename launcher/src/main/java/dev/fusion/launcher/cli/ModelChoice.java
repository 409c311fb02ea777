package dev.fusion.launcher.cli;

import java.util.List;
import picocli.CommandLine.Option;

/** The deliberation's models, where the user names them; unset ones are left to the request or the server. */
final class ModelChoice {
  @Option(names = "--models", split = ",", paramLabel = "MODEL",
      description = "panel models (comma-separated; default: the request's own, else the server's)")
  List<String> models;

  @Option(names = "--judge", paramLabel = "MODEL", description = "judge model")
  String judge;

  @Option(names = "--synthesizer", paramLabel = "MODEL", description = "synthesizer model")
  String synthesizer;

  boolean hasPanel() {
    return models != null && !models.isEmpty();
  }
}
