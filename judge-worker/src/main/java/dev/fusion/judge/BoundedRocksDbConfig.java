package dev.fusion.judge;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;

/**
 * Caps RocksDB memory: one small block cache shared by every store of the process, and small write
 * buffers. The aggregate holds only open panels, so it stays small.
 */
public final class BoundedRocksDbConfig implements RocksDBConfigSetter {
  private static final Cache CACHE = new LRUCache(32L * 1024 * 1024);

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(CACHE);
    options.setTableFormatConfig(table);
    options.setWriteBufferSize(4L * 1024 * 1024);
    options.setMaxWriteBufferNumber(2);
  }

  @Override
  public void close(String storeName, Options options) {
    // The cache is shared by all stores and lives as long as the process.
  }
}
