package dev.fusion.simulator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Stable hashing and seed mixing: the same input gives the same numbers in every JVM and run. */
final class Seeds {

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("SHA-256 not available", e);
            }
          });

  private Seeds() {}

  static byte[] sha256(String text) {
    MessageDigest md = SHA256.get();
    md.reset();
    return md.digest(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The first 8 bytes of the SHA-256 of {@code text}, as a long. */
  static long hash64(String text) {
    return toLong(sha256(text));
  }

  static long toLong(byte[] b) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[i] & 0xffL);
    }
    return v;
  }

  static String hex(long v) {
    return HexFormat.of().toHexDigits(v);
  }

  /** SplitMix64 finalizer. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  static long mix(long a, long b, long c) {
    return mix(mix(mix(a) + b * 0x9e3779b97f4a7c15L) + c * 0xc2b2ae3d27d4eb4fL);
  }

  /** A uniform double in [0, 1) derived from a mixed seed. */
  static double uniform(long seed) {
    return (mix(seed) >>> 11) * 0x1.0p-53;
  }
}
