package dev.fusion.launcher;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/** The {@code fusion} command line. */
@Command(name = "fusion", mixinStandardHelpOptions = true, version = "fusion 0.1.0",
    description = "Multi-model deliberation as durable jobs on Apache Kafka.",
    subcommands = {Main.Dev.class, Main.Broker.class, dev.fusion.launcher.bench.BenchCommand.class, dev.fusion.launcher.cli.AskCommand.class, dev.fusion.launcher.cli.BatchCommand.class})
public final class Main implements Callable<Integer> {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with every subcommand, including one per service that runs alone. */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    service(cli, "simulator", "Run the OpenAI-compatible model simulator alone (SIM_PORT, default 8090).",
        dev.fusion.simulator.SimulatorMain::main);
    service(cli, "ingress", "Run the ingress service alone (KAFKA_BOOTSTRAP_SERVERS, FUSION_HTTP_PORT).",
        dev.fusion.ingress.IngressMain::main);
    service(cli, "panel-worker", "Run a panel worker alone; start several to scale.",
        dev.fusion.panel.PanelWorkerMain::main);
    service(cli, "judge-worker", "Run the judge worker alone.", dev.fusion.judge.JudgeWorkerMain::main);
    service(cli, "synthesizer", "Run the synthesizer alone.", dev.fusion.synthesizer.SynthesizerMain::main);
    cli.addSubcommand("kafka", dev.fusion.launcher.cli.KafkaCommand.commandLine(new dev.fusion.launcher.cli.KafkaCommand()));
    return cli;
  }

  /** A service's own main method, configured from the environment. */
  private interface MainMethod {
    void main(String[] args) throws Exception;
  }

  private static void service(CommandLine cli, String name, String description, MainMethod main) {
    Callable<Integer> run = () -> {
      main.main(new String[0]);
      return 0;
    };
    CommandSpec spec = CommandSpec.wrapWithoutInspection(run).mixinStandardHelpOptions(true);
    spec.usageMessage().description(description);
    cli.addSubcommand(name, new CommandLine(spec));
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return 0;
  }

  @Command(name = "dev", description = {
      "Run everything in one JVM: an embedded Kafka broker, the model simulator and every stage.",
      "Environment: FUSION_HTTP_PORT (8080), FUSION_KAFKA_PORT (9092), FUSION_DATA_DIR (.fusion-data),",
      "OPENROUTER_API_KEY / OPENAI_API_KEY for real models (see docs/configuration.md)."})
  static final class Dev implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      DevMode.run(System.getenv());
      return 0;
    }
  }

  @Command(name = "broker", description = {
      "Run the embedded KRaft broker (broker and controller) alone, as its own process, until stopped.",
      "Alone: a single node on --data-dir (formatted on first use). With --voters: one node of a",
      "multi-node cluster (replication 3, min ISR 2), e.g. for the fault suite."})
  static final class Broker implements Callable<Integer> {
    @CommandLine.Option(names = "--data-dir", required = true, description = "log and metadata directory, kept across restarts")
    java.nio.file.Path dataDir;
    @CommandLine.Option(names = "--port", defaultValue = "9092", description = "PLAINTEXT port on 127.0.0.1 (default ${DEFAULT-VALUE})")
    int port;
    @CommandLine.Option(names = "--node-id", defaultValue = "1", description = "node ID (cluster member only)")
    int nodeId;
    @CommandLine.Option(names = "--controller-port", defaultValue = "0", description = "controller port (cluster member only)")
    int controllerPort;
    @CommandLine.Option(names = "--voters", description = "id@127.0.0.1:controllerPort of every node, comma-separated")
    String voters;
    @CommandLine.Option(names = "--cluster-id", description = "the cluster ID every node is formatted with (with --voters)")
    String clusterId;

    @Override
    public Integer call() throws Exception {
      EmbeddedKafka kafka = voters == null
          ? new EmbeddedKafka(dataDir, port)
          : EmbeddedKafka.clusterMember(dataDir, nodeId, port, controllerPort, voters, clusterId);
      java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        kafka.close();
        stopped.countDown();
      }, "broker-shutdown"));
      kafka.start();
      System.out.println("fusion broker ready at " + kafka.bootstrapServers());
      stopped.await();
      return 0;
    }
  }
}
