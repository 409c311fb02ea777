package dev.fusion.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * The JSONL output of {@code fusion batch}: appended one whole line at a time, so an interrupted run
 * leaves at worst a torn last line, which is cut off when the file is opened again. The custom IDs
 * already in it are what a rerun skips.
 */
public final class ResultsFile implements AutoCloseable {
  private final Set<String> done = new HashSet<>();
  private final OutputStream out;

  public ResultsFile(Path path) throws IOException {
    if (Files.exists(path)) {
      truncateTornLine(path);
      try (BufferedReader reader = Files.newBufferedReader(path)) {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          if (!line.isBlank()) {
            JsonNode id = Json.tree(line).get("custom_id");
            if (id != null) {
              done.add(id.asText());
            }
          }
        }
      }
    }
    out = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private static void truncateTornLine(Path path) throws IOException {
    try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
      long length = file.length();
      long end = length;
      while (end > 0) {
        file.seek(end - 1);
        if (file.read() == '\n') {
          break;
        }
        end--;
      }
      if (end < length) {
        file.setLength(end);
      }
    }
  }

  public boolean contains(String customId) {
    return done.contains(customId);
  }

  public int size() {
    return done.size();
  }

  /** Appends a result line unless its custom ID is already in the file; true if written. */
  public boolean append(JsonNode line) throws IOException {
    String id = line.path("custom_id").asText();
    if (!done.add(id)) {
      return false;
    }
    out.write((Json.toString(line) + "\n").getBytes(StandardCharsets.UTF_8));
    return true;
  }

  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
