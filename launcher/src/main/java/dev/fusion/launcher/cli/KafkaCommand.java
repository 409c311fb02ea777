package dev.fusion.launcher.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.utils.Exit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code fusion kafka TOOL ARGS...}: Kafka's own command-line tools, from the jars the launcher ships,
 * so talking to dev mode's broker needs nothing installed. {@code --bootstrap-server} defaults to dev
 * mode's broker. The tool runs in this JVM; its exit code is the command's.
 */
@Command(name = "kafka", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
    description = {"Run one of Kafka's own command-line tools against dev mode's broker.",
        "--bootstrap-server defaults to 127.0.0.1:$FUSION_KAFKA_PORT (9092 when unset);",
        "everything after the tool's name is the tool's own (TOOL --help lists it).", ""},
    footer = {"", "Tools: topics, console-producer, console-consumer, consumer-groups",
        "(the kafka-*.sh names work too).", "", "Examples:",
        "  fusion kafka topics --list",
        "  fusion kafka topics --create --topic my.replies",
        "  echo '{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}' | fusion kafka console-producer --topic fusion.requests",
        "  fusion kafka console-consumer --topic my.replies --from-beginning --max-messages 1"})
public final class KafkaCommand implements Callable<Integer> {
  /** Each tool's name and its main class. */
  static final Map<String, String> TOOLS = new LinkedHashMap<>();

  static {
    TOOLS.put("topics", "org.apache.kafka.tools.TopicCommand");
    TOOLS.put("console-producer", "org.apache.kafka.tools.ConsoleProducer");
    TOOLS.put("console-consumer", "org.apache.kafka.tools.consumer.ConsoleConsumer");
    TOOLS.put("consumer-groups", "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand");
  }

  static final int DEFAULT_PORT = 9092;

  @Parameters(index = "0", paramLabel = "TOOL", description = "topics, console-producer, console-consumer or consumer-groups")
  String tool;

  @Parameters(index = "1..*", paramLabel = "ARGS", description = "the tool's own arguments")
  List<String> args = new ArrayList<>();

  public InputStream in = System.in;
  public PrintStream out = System.out;
  public PrintStream err = System.err;
  /** Where FUSION_KAFKA_PORT is read (tests pass their own). */
  public Map<String, String> env = System.getenv();

  /** The command line of {@code command}: everything after the tool's name goes to the tool untouched. */
  public static CommandLine commandLine(KafkaCommand command) {
    return new CommandLine(command).setStopAtPositional(true).setUnmatchedOptionsArePositionalParams(true);
  }

  @Override
  public Integer call() {
    String mainClass = TOOLS.get(toolName(tool));
    if (mainClass == null) {
      err.println("fusion kafka: no tool '" + tool + "'; the tools are " + String.join(", ", TOOLS.keySet()) + ".");
      return 2;
    }
    List<String> toolArgs = new ArrayList<>(args);
    if (toolArgs.stream().noneMatch(a -> a.equals("--bootstrap-server") || a.startsWith("--bootstrap-server="))) {
      String port = env.get("FUSION_KAFKA_PORT");
      toolArgs.addAll(0, List.of("--bootstrap-server",
          "127.0.0.1:" + (port == null || port.isBlank() ? DEFAULT_PORT : port.strip())));
    }
    return run(mainClass, toolArgs.toArray(String[]::new));
  }

  /** "kafka-topics.sh", "kafka-topics" and "topics" all name the topics tool. */
  static String toolName(String name) {
    String n = name.endsWith(".sh") ? name.substring(0, name.length() - 3) : name;
    return n.startsWith("kafka-") ? n.substring("kafka-".length()) : n;
  }

  /** {@code target}, dropping what is written while {@code quiet} is set. */
  private static PrintStream gated(PrintStream target, AtomicBoolean quiet) {
    return new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        if (!quiet.get()) {
          target.write(b);
        }
      }

      @Override
      public void write(byte[] b, int off, int len) {
        if (!quiet.get()) {
          target.write(b, off, len);
        }
      }

      @Override
      public void flush() {
        target.flush();
      }
    }, true, StandardCharsets.UTF_8);
  }

  /**
   * Thrown where a tool would end the process: unwinds the tool back to {@link #run}. An Error, so the
   * tools' own {@code catch (Exception e)} blocks (which print the exception) let it pass.
   */
  private static final class ToolExit extends Error {
    ToolExit() {
      super("the tool exited", null, false, false);
    }
  }

  /**
   * Runs a tool's main method as if it had its process to itself: its exit (Kafka's tools end through
   * {@link Exit}) becomes the returned code instead of ending this JVM, the first exit code wins (a tool
   * may exit again while unwinding), and the shutdown hooks it registers (the console producer flushes in
   * one) run when it is done. One tool at a time: the exit procedures and standard streams are global.
   */
  private int run(String mainClass, String[] toolArgs) {
    Integer[] code = {null};
    List<Thread> hooks = new ArrayList<>();
    // Once the tool has exited, its process would print nothing more: what it prints while unwinding
    // (its catch-all blocks report the ToolExit) is dropped. Its shutdown hooks may print again.
    AtomicBoolean quiet = new AtomicBoolean();
    Exit.Procedure exit = (status, message) -> {
      quiet.set(true);
      synchronized (code) {
        if (code[0] == null) {
          code[0] = status;
        }
      }
      throw new ToolExit();
    };
    InputStream stdin = System.in;
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    synchronized (KafkaCommand.class) {
      Exit.setExitProcedure(exit);
      Exit.setHaltProcedure(exit);
      Exit.setShutdownHookAdder((name, runnable) -> {
        Thread hook = new Thread(runnable, name == null ? "kafka-tool-shutdown" : name);
        hooks.add(hook);
        Runtime.getRuntime().addShutdownHook(hook); // still runs if this process is stopped (Ctrl-C)
      });
      System.setIn(in);
      System.setOut(gated(out, quiet));
      System.setErr(gated(err, quiet));
      try {
        Class.forName(mainClass).getMethod("main", String[].class).invoke(null, (Object) toolArgs);
      } catch (java.lang.reflect.InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (!(cause instanceof ToolExit)) {
          synchronized (code) {
            if (code[0] == null) {
              err.println("fusion kafka " + tool + ": " + cause);
              code[0] = 1;
            }
          }
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("Kafka's tool " + mainClass + " is not on the class path", e);
      } finally {
        quiet.set(false);
        for (Thread hook : hooks) {
          try {
            if (Runtime.getRuntime().removeShutdownHook(hook)) {
              hook.run();
            }
          } catch (RuntimeException | Error e) {
            err.println("fusion kafka " + tool + ": while closing: " + e);
          }
        }
        System.out.flush();
        System.err.flush();
        System.setIn(stdin);
        System.setOut(stdout);
        System.setErr(stderr);
        Exit.resetExitProcedure();
        Exit.resetHaltProcedure();
        Exit.resetShutdownHookAdder();
      }
    }
    synchronized (code) {
      return code[0] == null ? 0 : code[0];
    }
  }
}
