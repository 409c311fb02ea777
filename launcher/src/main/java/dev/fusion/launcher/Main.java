package dev.fusion.launcher;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fusion} command line. */
@Command(name = "fusion", mixinStandardHelpOptions = true, version = "fusion 0.1.0",
    description = "Multi-model deliberation as durable jobs on Apache Kafka.",
    subcommands = {Main.Dev.class, Main.Simulator.class, Main.IngressCmd.class, Main.PanelCmd.class,
        Main.JudgeCmd.class, Main.SynthCmd.class,
        dev.fusion.launcher.bench.BenchCommand.class, dev.fusion.launcher.cli.AskCommand.class, dev.fusion.launcher.cli.BatchCommand.class})
public final class Main implements Callable<Integer> {

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
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

  @Command(name = "simulator", description = "Run the OpenAI-compatible model simulator alone (SIM_PORT, default 8090).")
  static final class Simulator implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      dev.fusion.simulator.SimulatorMain.main(new String[0]);
      return 0;
    }
  }

  @Command(name = "ingress", description = "Run the ingress service alone (KAFKA_BOOTSTRAP_SERVERS, FUSION_HTTP_PORT).")
  static final class IngressCmd implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      dev.fusion.ingress.IngressMain.main(new String[0]);
      return 0;
    }
  }

  @Command(name = "panel-worker", description = "Run a panel worker alone; start several to scale.")
  static final class PanelCmd implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      dev.fusion.panel.PanelWorkerMain.main(new String[0]);
      return 0;
    }
  }

  @Command(name = "judge-worker", description = "Run the judge worker alone.")
  static final class JudgeCmd implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      dev.fusion.judge.JudgeWorkerMain.main(new String[0]);
      return 0;
    }
  }

  @Command(name = "synthesizer", description = "Run the synthesizer alone.")
  static final class SynthCmd implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      dev.fusion.synthesizer.SynthesizerMain.main(new String[0]);
      return 0;
    }
  }
}
