package dev.fusion.ingress.view;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDB;

/** The RocksDB store under a view: large values live in blob files and read back whole, across a reopen and compaction. */
class ViewStoreTest {
  @TempDir Path dir;

  @Test
  void largeValuesGoToBlobFilesAndReadBackAfterCompactionAndReopen() throws Exception {
    byte[] result = "{\"status\":\"completed\",\"answer\":\"".concat("x".repeat(4_000)).concat("\"}")
        .getBytes(StandardCharsets.UTF_8);
    byte[] position = {0, 0, 0, 0, 0, 0, 0, 42};

    // Given a store holding one large value (a result) and one small one (a position)
    try (RocksDB db = TopicMaterializer.openStore(dir); FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      db.put(key("job_1"), result);
      db.put(key("\u0000pos/t/0"), position);
      db.put(key("job_2"), result);
      db.delete(key("job_2"));
      db.flush(flush);
      db.compactRange();
    }

    // Then the large value was written to a blob file, not into the sorted tables
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".blob"));
    }

    // And both values read back whole after a reopen; the deleted one stays deleted
    try (RocksDB db = TopicMaterializer.openStore(dir)) {
      assertThat(db.get(key("job_1"))).isEqualTo(result);
      assertThat(db.get(key("\u0000pos/t/0"))).isEqualTo(position);
      assertThat(db.get(key("job_2"))).isNull();
    }
  }

  private static byte[] key(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
