package dev.fusion.web;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Set;

/**
 * Which addresses web_fetch may connect to: public unicast ones only. {@link #refusal} names the class of a
 * refused address (loopback, private network, link-local, ...), looking through the IPv6 forms that embed an
 * IPv4 address (mapped, compatible, NAT64, 6to4, Teredo), so {@code ::ffff:127.0.0.1} is as loopback as
 * {@code 127.0.0.1}. Works on the address bytes, not on {@link InetAddress}'s predicates, which miss CGNAT,
 * unique-local IPv6 and the embedded forms.
 */
final class AddressPolicy {
  /** Host names of cloud metadata services, refused before they are resolved. */
  static final Set<String> METADATA_HOSTS = Set.of("metadata.google.internal", "metadata.goog",
      "metadata.azure.internal");

  private AddressPolicy() {}

  /** Why {@code address} may not be fetched, e.g. "a loopback address"; null when it is public. */
  static String refusal(InetAddress address) {
    byte[] b = address.getAddress();
    return b.length == 4 ? refusalV4(b, 0) : refusalV6(b);
  }

  /** True for a host name (as written in a URL) that names a cloud metadata service. */
  static boolean isMetadataHost(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return METADATA_HOSTS.contains(h);
  }

  private static String refusalV4(byte[] b, int at) {
    int a0 = b[at] & 0xff;
    int a1 = b[at + 1] & 0xff;
    int a2 = b[at + 2] & 0xff;
    int a3 = b[at + 3] & 0xff;
    if (a0 == 169 && a1 == 254 && a2 == 169 && a3 == 254) {
      return "a cloud metadata address";
    }
    if (a0 == 100 && a1 == 100 && a2 == 100 && a3 == 200) {
      return "a cloud metadata address";
    }
    if (a0 == 0) {
      return "an unspecified (this-network) address";
    }
    if (a0 == 127) {
      return "a loopback address";
    }
    if (a0 == 10 || (a0 == 172 && (a1 & 0xf0) == 16) || (a0 == 192 && a1 == 168)) {
      return "a private-network address";
    }
    if (a0 == 169 && a1 == 254) {
      return "a link-local address";
    }
    if (a0 == 100 && (a1 & 0xc0) == 64) {
      return "a carrier-grade NAT (shared) address";
    }
    if (a0 == 192 && a1 == 0 && a2 == 0) {
      return "an IETF protocol assignment address";
    }
    if (a0 == 198 && (a1 & 0xfe) == 18) {
      return "a benchmarking-network address";
    }
    if ((a0 == 192 && a1 == 0 && a2 == 2) || (a0 == 198 && a1 == 51 && a2 == 100) || (a0 == 203 && a1 == 0 && a2 == 113)) {
      return "a documentation address";
    }
    if (a0 >= 224 && a0 <= 239) {
      return "a multicast address";
    }
    if (a0 >= 240) {
      return "a reserved or broadcast address";
    }
    return null;
  }

  private static String refusalV6(byte[] b) {
    boolean firstTenZero = true;
    for (int i = 0; i < 10; i++) {
      firstTenZero &= b[i] == 0;
    }
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, which includes :: and ::1).
    if (firstTenZero && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
      return refusalV4(b, 12);
    }
    if (firstTenZero && b[10] == 0 && b[11] == 0) {
      boolean lastZero = b[12] == 0 && b[13] == 0 && b[14] == 0;
      if (lastZero && b[15] == 0) {
        return "an unspecified address";
      }
      if (lastZero && b[15] == 1) {
        return "a loopback address";
      }
      return refusalV4(b, 12);
    }
    int w0 = ((b[0] & 0xff) << 8) | (b[1] & 0xff);
    int w1 = ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    // fd00:ec2::254, AWS's IPv6 metadata endpoint (also inside fc00::/7 below; named for the message).
    if (w0 == 0xfd00 && w1 == 0x0ec2 && isTail(b, 4, 0x0254)) {
      return "a cloud metadata address";
    }
    if ((w0 & 0xfe00) == 0xfc00) {
      return "a unique-local (private) address";
    }
    if ((w0 & 0xffc0) == 0xfe80) {
      return "a link-local address";
    }
    if ((w0 & 0xffc0) == 0xfec0) {
      return "a site-local address";
    }
    if ((w0 & 0xff00) == 0xff00) {
      return "a multicast address";
    }
    // 64:ff9b::/96 (NAT64) carries an IPv4 address in its last 32 bits; 64:ff9b:1::/48 is local-use NAT64.
    if (w0 == 0x0064 && w1 == 0xff9b) {
      int w2 = ((b[4] & 0xff) << 8) | (b[5] & 0xff);
      if (w2 == 1) {
        return "a local-use NAT64 address";
      }
      return refusalV4(b, 12);
    }
    // 2002::/16 (6to4) carries one in bits 16-47.
    if (w0 == 0x2002) {
      return refusalV4(b, 2);
    }
    // 2001:0::/32 (Teredo) carries the client's, inverted, in the last 32 bits.
    if (w0 == 0x2001 && w1 == 0) {
      byte[] client = {(byte) ~b[12], (byte) ~b[13], (byte) ~b[14], (byte) ~b[15]};
      return refusalV4(client, 0);
    }
    // 2001:db8::/32 is for documentation, 100::/64 discards.
    if (w0 == 0x2001 && w1 == 0x0db8) {
      return "a documentation address";
    }
    if (w0 == 0x0100 && w1 == 0 && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0) {
      return "a discard-only address";
    }
    return null;
  }

  /** True when bytes from {@code from} to the end are zero except the last 16 bits, which equal {@code value}. */
  private static boolean isTail(byte[] b, int from, int value) {
    for (int i = from; i < 14; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return (((b[14] & 0xff) << 8) | (b[15] & 0xff)) == value;
  }
}
