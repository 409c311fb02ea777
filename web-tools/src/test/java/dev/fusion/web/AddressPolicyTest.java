package dev.fusion.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The address classifier, on literals only (no DNS): every refused range, the IPv6 forms that embed IPv4, and public addresses. */
class AddressPolicyTest {
  private static String refusal(String literal) throws Exception {
    return AddressPolicy.refusal(InetAddress.getByName(literal));
  }

  /** An IPv6 address kept as IPv6 even when it is IPv4-mapped (InetAddress.getByName would unwrap it). */
  private static String refusalV6(String literal) throws Exception {
    byte[] bytes = InetAddress.getByName(literal).getAddress();
    if (bytes.length == 4) {
      byte[] mapped = new byte[16];
      mapped[10] = (byte) 0xff;
      mapped[11] = (byte) 0xff;
      System.arraycopy(bytes, 0, mapped, 12, 4);
      bytes = mapped;
    }
    return AddressPolicy.refusal(Inet6Address.getByAddress(null, bytes, -1));
  }

  @Test
  void ipv4RangesThatAreNotPublicAreRefused() throws Exception {
    assertThat(refusal("127.0.0.1")).isEqualTo("a loopback address");
    assertThat(refusal("127.255.1.2")).isEqualTo("a loopback address");
    assertThat(refusal("0.0.0.0")).contains("unspecified");
    assertThat(refusal("0.1.2.3")).contains("unspecified");
    for (String priv : List.of("10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.0.1")) {
      assertThat(refusal(priv)).as(priv).isEqualTo("a private-network address");
    }
    assertThat(refusal("169.254.1.1")).isEqualTo("a link-local address");
    assertThat(refusal("169.254.169.254")).isEqualTo("a cloud metadata address");
    assertThat(refusal("100.100.100.200")).isEqualTo("a cloud metadata address");
    assertThat(refusal("100.64.0.1")).contains("carrier-grade NAT");
    assertThat(refusal("100.127.255.255")).contains("carrier-grade NAT");
    assertThat(refusal("224.0.0.1")).isEqualTo("a multicast address");
    assertThat(refusal("239.255.255.250")).isEqualTo("a multicast address");
    assertThat(refusal("255.255.255.255")).contains("broadcast");
    assertThat(refusal("240.0.0.1")).contains("reserved");
    assertThat(refusal("192.0.0.8")).isNotNull();
    assertThat(refusal("198.18.0.1")).isNotNull();
    assertThat(refusal("192.0.2.10")).contains("documentation");
  }

  @Test
  void publicIpv4AddressesAndTheEdgesOfPrivateRangesAreAllowed() throws Exception {
    for (String open : List.of("8.8.8.8", "1.1.1.1", "93.184.216.34", "172.15.255.255", "172.32.0.1",
        "100.63.255.255", "100.128.0.1", "169.253.255.255", "192.167.1.1", "192.169.0.1", "11.0.0.1",
        "126.255.255.255", "128.0.0.1", "223.255.255.255", "198.20.0.1")) {
      assertThat(refusal(open)).as(open).isNull();
    }
  }

  @Test
  void ipv6RangesThatAreNotPublicAreRefused() throws Exception {
    assertThat(refusal("::1")).isEqualTo("a loopback address");
    assertThat(refusal("::")).contains("unspecified");
    assertThat(refusal("fc00::1")).contains("unique-local");
    assertThat(refusal("fdff:ffff::1")).contains("unique-local");
    assertThat(refusal("fd00:ec2::254")).isEqualTo("a cloud metadata address");
    assertThat(refusal("fe80::1")).isEqualTo("a link-local address");
    assertThat(refusal("febf::1")).isEqualTo("a link-local address");
    assertThat(refusal("fec0::1")).contains("site-local");
    assertThat(refusal("ff02::1")).isEqualTo("a multicast address");
    assertThat(refusal("2001:db8::1")).contains("documentation");
    assertThat(refusal("100::1")).contains("discard");
    assertThat(refusal("64:ff9b:1::1")).contains("NAT64");
  }

  @Test
  void ipv6FormsThatEmbedAnIpv4AddressAreJudgedByIt() throws Exception {
    // IPv4-mapped (::ffff:a.b.c.d), kept as an IPv6 address.
    assertThat(refusalV6("127.0.0.1")).isEqualTo("a loopback address");
    assertThat(refusalV6("10.1.2.3")).isEqualTo("a private-network address");
    assertThat(refusalV6("169.254.169.254")).isEqualTo("a cloud metadata address");
    assertThat(refusalV6("8.8.8.8")).isNull();
    // Java unwraps the mapped form when it parses it: still refused.
    assertThat(refusal("::ffff:127.0.0.1")).isEqualTo("a loopback address");
    assertThat(refusal("::ffff:c0a8:0101")).isEqualTo("a private-network address");
    // IPv4-compatible (::a.b.c.d).
    assertThat(refusal("::127.0.0.1")).isEqualTo("a loopback address");
    assertThat(refusal("::10.0.0.1")).isEqualTo("a private-network address");
    // NAT64 (64:ff9b::a.b.c.d).
    assertThat(refusal("64:ff9b::7f00:1")).isEqualTo("a loopback address");
    assertThat(refusal("64:ff9b::a9fe:a9fe")).isEqualTo("a cloud metadata address");
    assertThat(refusal("64:ff9b::808:808")).isNull();
    // 6to4 (2002:aabb:ccdd::).
    assertThat(refusal("2002:7f00:1::1")).isEqualTo("a loopback address");
    assertThat(refusal("2002:c0a8:101::1")).isEqualTo("a private-network address");
    assertThat(refusal("2002:808:808::1")).isNull();
    // Teredo (2001:0::/32), the client address inverted in the last 32 bits: ~127.0.0.1 = 80ff:fffe.
    assertThat(refusal("2001:0:4136:e378:8000:63bf:80ff:fffe")).isEqualTo("a loopback address");
  }

  @Test
  void publicIpv6AddressesAreAllowed() throws Exception {
    for (String open : List.of("2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450:4001:80b::200e",
        "2001:db9::1", "fb00::1", "fe00::1")) {
      assertThat(refusal(open)).as(open).isNull();
    }
  }

  @Test
  void metadataHostNamesAreRecognisedAsWritten() {
    assertThat(AddressPolicy.isMetadataHost("metadata.google.internal")).isTrue();
    assertThat(AddressPolicy.isMetadataHost("METADATA.Google.Internal.")).isTrue();
    assertThat(AddressPolicy.isMetadataHost("metadata.google.internal.example.com")).isFalse();
    assertThat(AddressPolicy.isMetadataHost("example.com")).isFalse();
  }
}
