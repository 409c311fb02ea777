package dev.fusion.launcher.cli;

import java.util.Map;
import picocli.CommandLine.Option;

/** How wide the terminal is, so the CLI's output wraps at word boundaries instead of mid-word. */
final class OutputOptions {
  static final int DEFAULT_WIDTH = 80;

  @Option(names = "--width", paramLabel = "COLUMNS",
      description = "wrap output at this width (default: env COLUMNS, else " + DEFAULT_WIDTH + "; 0: never wrap)")
  Integer width;

  /** {@code --width}, else {@code COLUMNS} (the launcher script exports it for a terminal), else 80. */
  int width(Map<String, String> env) {
    if (width != null) {
      return Math.max(0, width);
    }
    String columns = env.get("COLUMNS");
    if (columns != null && columns.strip().matches("[0-9]{1,4}") && Integer.parseInt(columns.strip()) > 0) {
      return Integer.parseInt(columns.strip());
    }
    return DEFAULT_WIDTH;
  }
}
