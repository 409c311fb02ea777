package dev.fusion.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.fusion.common.kafka.Topics;
import dev.fusion.judge.JudgeWorker;
import dev.fusion.panel.PanelWorker;
import dev.fusion.synthesizer.Synthesizer;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The deployment files name what the code defines: the consumer groups and topics the autoscalers watch,
 * the main classes containers run, the judge's instance ID and state directory, the management port. (Their
 * schemas are checked by deploy/kubernetes/validate; this checks they agree with the code.)
 */
class DeploymentManifestsTest {
  private static final Path ROOT = projectRoot();
  private static final Path BASE = ROOT.resolve("deploy/kubernetes/base");

  @Test
  void theAutoscalersWatchTheGroupsAndTopicsTheWorkersConsume() throws IOException {
    Topics topics = new Topics("");
    Map<String, List<String>> expected = Map.of(
        "panel-worker", List.of(PanelWorker.GROUP, topics.jobs().name()),
        "synthesizer", List.of(Synthesizer.GROUP, topics.analyses().name()));
    Map<String, List<String>> found = new TreeMap<>();
    for (JsonNode doc : documents(BASE)) {
      if (doc.path("kind").asText().equals("ScaledObject")) {
        JsonNode kafka = doc.path("spec").path("triggers").get(0).path("metadata");
        found.put(doc.path("spec").path("scaleTargetRef").path("name").asText(),
            List.of(kafka.path("consumerGroup").asText(), kafka.path("topic").asText()));
      }
    }
    assertEquals(new TreeMap<>(expected), found);
  }

  @Test
  void everyContainerRunsAMainClassOfItsModule() throws Exception {
    List<String> commands = new ArrayList<>();
    for (JsonNode doc : documents(ROOT.resolve("deploy/kubernetes"))) {
      for (JsonNode c : doc.path("spec").path("template").path("spec").path("containers")) {
        commands.add(c.path("command").toString());
        assertRunsMain(c.path("command"));
      }
    }
    JsonNode compose = new YAMLMapper().readTree(ROOT.resolve("docker-compose.yml").toFile());
    compose.path("services").forEach(service -> {
      if (service.path("image").asText().startsWith("fusion:")) {
        commands.add(service.path("command").toString());
        assertRunsMain(service.path("command"));
      }
    });
    // ingress twice (API and batch dispatcher), the three workers, the simulator; and compose's five.
    assertEquals(11, commands.size(), commands::toString);
  }

  @Test
  void theJudgeKeepsItsStateOnItsVolumeUnderAStableInstanceId() throws IOException {
    JsonNode judge = documents(BASE).stream()
        .filter(d -> d.path("kind").asText().equals("StatefulSet")).findFirst().orElseThrow();
    JsonNode container = judge.path("spec").path("template").path("spec").path("containers").get(0);
    Map<String, JsonNode> env = new TreeMap<>();
    container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
    assertEquals("metadata.name",
        env.get("FUSION_INSTANCE_ID").path("valueFrom").path("fieldRef").path("fieldPath").asText());
    String dataDir = env.get("FUSION_DATA_DIR").path("value").asText();
    String volume = judge.path("spec").path("volumeClaimTemplates").get(0).path("metadata").path("name").asText();
    boolean mounted = false;
    for (JsonNode m : container.path("volumeMounts")) {
      mounted |= m.path("name").asText().equals(volume) && m.path("mountPath").asText().equals(dataDir);
    }
    assertTrue(mounted, "the volume claim is mounted at FUSION_DATA_DIR (" + dataDir + ")");
    assertTrue(container.path("command").toString().contains(JudgeWorker.class.getPackageName()));
  }

  @Test
  void probesAndScrapingUseTheConfiguredManagementPort() throws IOException {
    List<JsonNode> docs = documents(BASE);
    String port = docs.stream().filter(d -> d.path("kind").asText().equals("ConfigMap")).findFirst().orElseThrow()
        .path("data").path("FUSION_MANAGEMENT_PORT").asText();
    assertFalse(port.isEmpty(), "fusion-config sets FUSION_MANAGEMENT_PORT");
    int workloads = 0;
    for (JsonNode doc : docs) {
      JsonNode pod = doc.path("spec").path("template");
      if (pod.isMissingNode()) {
        continue;
      }
      workloads++;
      assertEquals(port, pod.path("metadata").path("annotations").path("prometheus.io/port").asText(),
          doc.path("metadata").path("name").asText());
      for (JsonNode c : pod.path("spec").path("containers")) {
        boolean named = false;
        for (JsonNode p : c.path("ports")) {
          named |= p.path("name").asText().equals("management") && p.path("containerPort").asText().equals(port);
        }
        assertTrue(named, c.path("name").asText() + " names its management port " + port);
      }
    }
    assertEquals(5, workloads);
  }

  private static void assertRunsMain(JsonNode command) {
    assertEquals("java", command.get(0).asText(), command::toString);
    String classPath = command.get(2).asText();
    String mainClass = command.get(command.size() - 1).asText();
    try {
      Method main = Class.forName(mainClass).getMethod("main", String[].class);
      assertTrue(Modifier.isStatic(main.getModifiers()), mainClass);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(command + ": no main class " + mainClass, e);
    }
    // The image holds each module's runtime class path in /app/<module> (Dockerfile).
    String module = classPath.replaceAll("^/app/([^/]+)/\\*$", "$1");
    assertTrue(Files.isDirectory(ROOT.resolve(module).resolve("src/main/java")), command + ": module " + module);
  }

  private static List<JsonNode> documents(Path dir) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    YAMLMapper yaml = new YAMLMapper();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".yaml") && !f.getFileName().toString()
          .equals("kustomization.yaml") && !f.toString().contains("node_modules")).sorted().toList()) {
        try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(f.toFile())) {
          it.forEachRemaining(docs::add);
        }
      }
    }
    return docs;
  }

  private static Path projectRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("deploy/kubernetes")) && Files.isRegularFile(p.resolve("docker-compose.yml"))) {
        return p;
      }
    }
    throw new IllegalStateException("deploy/kubernetes not found above " + Path.of("").toAbsolutePath());
  }
}
