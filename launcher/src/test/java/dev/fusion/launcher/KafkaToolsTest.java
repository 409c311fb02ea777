package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.launcher.cli.KafkaCommand;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code fusion kafka}: Kafka's own tools from the launcher's jars against the embedded broker, the
 * README's "Submitting over Kafka" commands run as written, and a broker that creates no topic on a
 * metadata request.
 */
class KafkaToolsTest extends PipelineTestBase {
  /** One run of {@code fusion kafka ...}: exit code, stdout, stderr. */
  record ToolRun(int code, String out, String err) {}

  /** {@code fusion kafka args...} with {@code stdin}, pointed at the harness's broker as dev mode's would be. */
  static ToolRun kafka(String stdin, String... args) {
    KafkaCommand command = new KafkaCommand();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    command.in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
    command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    String bootstrap = harness.kafka.bootstrapServers();
    command.env = Map.of("FUSION_KAFKA_PORT", bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
    int code = KafkaCommand.commandLine(command).execute(args);
    return new ToolRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void topicsAndAConsoleProducerToConsumerRoundTripWithoutNamingTheBroker() {
    ToolRun create = kafka("", "topics", "--create", "--topic", "tools.round-trip", "--partitions", "1");
    assertThat(create.code()).as(create.err()).isZero();
    assertThat(create.out()).contains("Created topic tools.round-trip");
    ToolRun list = kafka("", "topics", "--list");
    assertThat(list.out().lines()).contains("tools.round-trip");
    // Nothing of how the launcher keeps the tool's exit from ending its JVM shows.
    assertThat(list.out() + list.err()).doesNotContain("ToolExit", "the tool exited");

    ToolRun produce = kafka("k1\tfirst value\nk2\tsecond value\n", "console-producer", "--topic", "tools.round-trip",
        "--reader-property", "parse.key=true");
    assertThat(produce.code()).as(produce.err()).isZero();
    ToolRun consume = kafka("", "kafka-console-consumer.sh", "--topic", "tools.round-trip", "--from-beginning",
        "--max-messages", "2", "--formatter-property", "print.key=true");
    assertThat(consume.code()).as(consume.err()).isZero();
    assertThat(consume.out().lines()).containsExactly("k1\tfirst value", "k2\tsecond value");

    ToolRun groups = kafka("", "consumer-groups", "--list");
    assertThat(groups.code()).as(groups.err()).isZero();
  }

  @Test
  void theLaunchersCommandLineRoutesKafkaToTheTools() {
    // As ./fusion runs it: everything after the tool's name is the tool's, options included.
    assertThat(Main.commandLine().execute("kafka", "topics", "--bootstrap-server", harness.kafka.bootstrapServers(),
        "--list")).isZero();
  }

  @Test
  void theToolsExitCodeIsTheCommands() {
    ToolRun missing = kafka("", "topics", "--describe", "--topic", "tools.no-such-topic");
    assertThat(missing.code()).isNotZero();
    assertThat(missing.out() + missing.err()).contains("tools.no-such-topic");
    ToolRun badOption = kafka("", "console-consumer", "--no-such-option");
    assertThat(badOption.code()).isNotZero();
    ToolRun unknown = kafka("", "mirror-maker");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("topics, console-producer, console-consumer, consumer-groups");
    // Still usable after tools exited: the exit procedures were restored between runs.
    assertThat(kafka("", "topics", "--list").code()).isZero();
  }

  @Test
  void aMetadataRequestForAnUnknownTopicDoesNotCreateIt() throws Exception {
    String topic = "tools.misspelt-replies";
    // A consumer that allows auto-creation asks for the topic's metadata, as a client naming a wrong topic does.
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, harness.kafka.bootstrapServers(),
        ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, true),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      assertThat(consumer.partitionsFor(topic, Duration.ofSeconds(10))).isEmpty();
    }
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, harness.kafka.bootstrapServers()))) {
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(topic);
    }
  }

  /** One README command, as bash reads it, and what running it through the launcher gave. */
  record ReadmeRun(String command, ToolRun run) {}

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void theReadmesKafkaSectionRunsAsWritten() throws Exception {
    List<String> commands = readmeCommands("## Submitting over Kafka");
    assertThat(commands).isNotEmpty();
    // Dev mode's topic names: no topic prefix.
    try (FusionStack stack = harness.newStack(Map.of("FUSION_TOPIC_PREFIX", ""))) {
      List<ReadmeRun> runs = new ArrayList<>();
      for (String command : commands) {
        ToolRun run = runThroughLauncher(command);
        assertThat(run.code()).as(command + "\n" + run.err()).isZero();
        runs.add(new ReadmeRun(command, run));
      }
      assertThat(output(runs, c -> c.contains("topics --list"))).contains("fusion.requests");
      String replies = output(runs, c -> c.contains("console-consumer") && c.contains("--topic my.replies"));
      assertThat(replies.lines().filter(l -> !l.isBlank()))
          .hasSize(2)
          .anySatisfy(l -> assertThat(l).startsWith("order-1\t").contains("\"status\":\"completed\""))
          .anySatisfy(l -> assertThat(l).startsWith("order-2\t").contains("\"status\":\"completed\""));
      assertThat(output(runs, c -> c.contains("console-consumer") && c.contains("--topic fusion.rejections")))
          .contains("fusion.rejection.reason:");
    }
  }

  private static String output(List<ReadmeRun> runs, Predicate<String> command) {
    List<ReadmeRun> matching = runs.stream().filter(r -> command.test(r.command())).toList();
    assertThat(matching).as("a README command like that").hasSize(1);
    return matching.get(0).run().out();
  }

  /**
   * The commands of a README section's bash blocks: continuation lines joined, comments and blank
   * lines dropped. Each must run {@code ./fusion kafka}: the section shows nothing this test cannot run.
   */
  static List<String> readmeCommands(String heading) throws IOException {
    String readme = Files.readString(repoRoot().resolve("README.md"));
    int start = readme.indexOf("\n" + heading + "\n");
    assertThat(start).as("README section " + heading).isNotNegative();
    int end = readme.indexOf("\n## ", start + heading.length() + 2);
    String section = readme.substring(start, end < 0 ? readme.length() : end);
    List<String> commands = new ArrayList<>();
    boolean inBash = false;
    StringBuilder pending = new StringBuilder();
    for (String line : section.split("\n")) {
      if (!inBash) {
        inBash = line.strip().equals("```bash");
        continue;
      }
      if (line.strip().equals("```")) {
        inBash = false;
        continue;
      }
      if (pending.isEmpty() && (line.isBlank() || line.strip().startsWith("#"))) {
        continue;
      }
      if (line.endsWith("\\")) {
        pending.append(line, 0, line.length() - 1);
        continue;
      }
      pending.append(line);
      commands.add(pending.toString().strip()); // a trailing comment is bash's to drop
      pending.setLength(0);
    }
    for (String command : commands) {
      assertThat(command).as("every command of the section runs ./fusion kafka").contains("./fusion kafka ");
    }
    return commands;
  }

  /**
   * Runs one README command: bash evaluates it exactly as a user's shell would (quoting, echo, printf,
   * the pipe), with {@code ./fusion kafka} standing for a function that hands its arguments and its
   * standard input back here; then the launcher's kafka command runs them in this JVM.
   */
  private static ToolRun runThroughLauncher(String command) throws Exception {
    Path dir = PipelineHarness.tempDir();
    Path args = dir.resolve("args");
    Path stdin = dir.resolve("stdin");
    String script = "fusion_kafka() { printf '%s\\0' \"$@\" > \"$ARGS_FILE\"; cat > \"$STDIN_FILE\"; }\n"
        + command.replace("./fusion kafka ", "fusion_kafka ") + "\n";
    ProcessBuilder builder = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true);
    builder.environment().put("ARGS_FILE", args.toString());
    builder.environment().put("STDIN_FILE", stdin.toString());
    Process bash = builder.start();
    bash.getOutputStream().close();
    String shellOutput = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bash.waitFor()).as(command + "\n" + shellOutput).isZero();
    String[] toolArgs = Files.readString(args).split("\0");
    return kafka(Files.readString(stdin), toolArgs);
  }

  /** The repository's root: the nearest directory up from here with a README.md. */
  private static Path repoRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve("README.md")) && Files.exists(dir.resolve("launcher"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no README.md above " + Path.of("").toAbsolutePath());
  }
}
