package dev.fusion.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
  @Test
  void keysFromTheVariableAndTheFileMapToTheirTenants() throws Exception {
    Path file = Files.createTempFile("keys", ".txt");
    Files.writeString(file, "# ops keys\nbob:" + ApiKeys.sha256Hex("key-b") + "\n\n");
    ApiKeys keys = ApiKeys.parse("alice:" + ApiKeys.sha256Hex("key-a"), file);
    assertThat(keys.verify("key-a").tenant()).isEqualTo("alice");
    assertThat(keys.verify("key-b").tenant()).isEqualTo("bob");
    assertThat(keys.verify("key-c")).isNull();
    assertThat(keys.verify("")).isNull();
    assertThat(keys.tenants()).containsExactlyInAnyOrder("alice", "bob");
  }

  @Test
  void aMalformedEntryIsRefusedWithoutEchoingIt() {
    assertThatThrownBy(() -> ApiKeys.parse("alice:sk-plain-secret", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tenant:sha256hex")
        .hasMessageNotContaining("sk-plain-secret");
    assertThatThrownBy(() -> ApiKeys.parse("bad tenant:" + ApiKeys.sha256Hex("k"), null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theHashIsSha256HexOfTheKeyAsSha256sumPrintsIt() {
    // printf %s abc | sha256sum
    assertThat(ApiKeys.sha256Hex("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
}
