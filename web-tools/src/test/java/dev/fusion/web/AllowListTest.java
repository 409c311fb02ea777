package dev.fusion.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AllowListTest {
  @Test
  void entriesMatchTheHostAsWrittenAndThePortWhenGiven() {
    AllowList allow = new AllowList(List.of("127.0.0.1:8090", "wiki.internal", "[::1]:81", "Docs.Example:443"));
    assertThat(allow.permits("127.0.0.1", 8090)).isTrue();
    assertThat(allow.permits("127.0.0.1", 9092)).as("another port").isFalse();
    assertThat(allow.permits("localhost", 8090)).as("another name for the same address").isFalse();
    assertThat(allow.permits("wiki.internal", 80)).isTrue();
    assertThat(allow.permits("wiki.internal", 8443)).as("no port: any port").isTrue();
    assertThat(allow.permits("WIKI.internal", 80)).as("case-insensitive").isTrue();
    assertThat(allow.permits("sub.wiki.internal", 80)).as("no subdomains").isFalse();
    assertThat(allow.permits("wiki.internal.", 80)).as("no trailing-dot folding").isFalse();
    assertThat(allow.permits("[::1]", 81)).isTrue();
    assertThat(allow.permits("[::1]", 82)).isFalse();
    assertThat(allow.permits("docs.example", 443)).isTrue();
    assertThat(allow.permits("docs.example", 80)).isFalse();
    assertThat(new AllowList(List.of()).permits("127.0.0.1", 80)).isFalse();
  }
}
