package dev.fusion.launcher.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * A Markdown table of fixed columns, as the bench prints its figures for BENCHMARKS.md. Each column's
 * title and the format of its cells are declared side by side, so a row cannot drift from its header.
 */
final class MarkdownTable {
  private final List<String> titles = new ArrayList<>();
  private final List<String> formats = new ArrayList<>();

  /** @param columns titles and {@link String#format} patterns of the cells, in turns: "jobs", "%d", ... */
  MarkdownTable(String... columns) {
    if (columns.length == 0 || columns.length % 2 != 0) {
      throw new IllegalArgumentException("a title and a cell format for each column");
    }
    for (int i = 0; i < columns.length; i += 2) {
      titles.add(columns[i]);
      formats.add(columns[i + 1]);
    }
  }

  /** The title line and the line under it that makes it a header. */
  String header() {
    return "| " + String.join(" | ", titles) + " |\n" + "|---".repeat(titles.size()) + "|\n";
  }

  /** One line of cells, in column order. */
  String row(Object... cells) {
    if (cells.length != formats.size()) {
      throw new IllegalArgumentException(formats.size() + " columns, " + cells.length + " cells");
    }
    return String.format("| " + String.join(" | ", formats) + " |%n", cells);
  }
}
