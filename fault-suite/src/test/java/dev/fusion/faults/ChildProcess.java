package dev.fusion.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Fusion process ({@code fusion <command>}) in its own JVM, started from the built class path, with
 * its output in a log file. {@link #kill()} is SIGKILL (no shutdown hook runs), {@link #stop()} SIGTERM.
 */
final class ChildProcess {
  private static final List<ChildProcess> ALL = new ArrayList<>();

  static {
    // Children must not outlive the suite, whatever ends it (failure, timeout, Ctrl-C).
    Runtime.getRuntime().addShutdownHook(new Thread(ChildProcess::killAll, "kill-children"));
  }

  private final String name;
  private final List<String> command;
  private final Map<String, String> env;
  private final Path logDir;
  private Process process;
  private int starts;

  ChildProcess(String name, String classpath, String heap, Map<String, String> env, Path logDir, String... args) {
    this.name = name;
    this.env = Map.copyOf(env);
    this.logDir = logDir;
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-DFUSION_LOG_LEVEL=WARN", "-Dfusion.log.format=text",
        "-cp", classpath, "dev.fusion.launcher.Main"));
    cmd.addAll(List.of(args));
    this.command = List.copyOf(cmd);
    synchronized (ALL) {
      ALL.add(this);
    }
  }

  String name() {
    return name;
  }

  synchronized ChildProcess start() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    try {
      Files.createDirectories(logDir);
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(name + ".log").toFile()));
      pb.environment().putAll(env);
      process = pb.start();
      starts++;
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  /** SIGKILL, and wait until the process is gone. */
  synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    awaitExit(10);
  }

  /** SIGTERM: the process shuts down cleanly (bounded; SIGKILL after 30 s). */
  synchronized void stop() {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    if (!awaitExit(30)) {
      kill();
    }
  }

  /** SIGTERM without waiting: the process runs its graceful shutdown; see {@link #awaitExit(java.time.Duration)}. */
  synchronized void terminate() {
    if (process != null && process.isAlive()) {
      process.destroy();
    }
  }

  /** Waits up to {@code bound} for the process to exit; true when it did. */
  boolean awaitExit(java.time.Duration bound) {
    Process p;
    synchronized (this) {
      p = process;
    }
    try {
      return p == null || p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The exit code of the last run, or -1 while it runs (or never did). */
  synchronized int exitCode() {
    return process == null || process.isAlive() ? -1 : process.exitValue();
  }

  synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  int starts() {
    return starts;
  }

  private boolean awaitExit(int seconds) {
    try {
      return process.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static void killAll() {
    List<ChildProcess> all;
    synchronized (ALL) {
      all = new ArrayList<>(ALL);
    }
    for (ChildProcess p : all) {
      Process proc = p.process;
      if (proc != null && proc.isAlive()) {
        proc.destroyForcibly();
      }
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
