package dev.fusion.ingress.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * API keys, held only as SHA-256 hashes, each mapped to a tenant. Configured as {@code tenant:sha256hex}
 * entries (comma-separated in {@code FUSION_API_KEYS}, one per line in {@code FUSION_API_KEYS_FILE});
 * a key's hash is {@code printf %s "$KEY" | sha256sum}. A presented key is hashed and compared with
 * every configured hash in constant time, so neither the match nor its position leaks through timing.
 */
public final class ApiKeys {
  /** One configured key: its tenant and hash. {@code id} (a hash prefix) names it in logs and limits. */
  public record Entry(String tenant, byte[] hash) {
    public String id() {
      return HexFormat.of().formatHex(hash, 0, 6);
    }
  }

  private final List<Entry> entries;

  private ApiKeys(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  public static ApiKeys none() {
    return new ApiKeys(List.of());
  }

  /** Parses {@code FUSION_API_KEYS} and the file named by {@code FUSION_API_KEYS_FILE} (either may be null). */
  public static ApiKeys parse(String inline, Path file) {
    List<Entry> entries = new ArrayList<>();
    if (inline != null) {
      for (String item : inline.split(",")) {
        add(entries, item, "FUSION_API_KEYS");
      }
    }
    if (file != null) {
      try {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          add(entries, line, "FUSION_API_KEYS_FILE");
        }
      } catch (IOException e) {
        throw new IllegalArgumentException("FUSION_API_KEYS_FILE cannot be read: " + file, e);
      }
    }
    return new ApiKeys(entries);
  }

  private static void add(List<Entry> entries, String raw, String source) {
    String item = raw.strip();
    if (item.isEmpty() || item.startsWith("#")) {
      return;
    }
    int colon = item.lastIndexOf(':');
    String tenant = colon > 0 ? item.substring(0, colon).strip() : "";
    String hex = colon > 0 ? item.substring(colon + 1).strip().toLowerCase() : "";
    // Never echo the entry: it might be a plain key pasted by mistake.
    if (!Tenants.isValidName(tenant) || !hex.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException(source + " entries must be tenant:sha256hex (tenant: letters, digits,"
          + " '.', '_', '-'; the hash: 64 hex digits of SHA-256 of the key); entry " + (entries.size() + 1)
          + " is not");
    }
    entries.add(new Entry(tenant, HexFormat.of().parseHex(hex)));
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  public Set<String> tenants() {
    return entries.stream().map(Entry::tenant).collect(Collectors.toSet());
  }

  /** The entry whose hash matches the presented key, or null. Every entry is compared, always. */
  public Entry verify(String presentedKey) {
    if (presentedKey == null || presentedKey.isEmpty()) {
      return null;
    }
    byte[] hash = sha256(presentedKey);
    Entry match = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.hash(), hash) && match == null) {
        match = e;
      }
    }
    return match;
  }

  public static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256Hex(String text) {
    return HexFormat.of().formatHex(sha256(text));
  }
}
