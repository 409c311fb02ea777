package dev.fusion.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;

/**
 * A single-node Kafka broker (KRaft, combined broker + controller) running inside this JVM, for dev mode
 * and tests.
 *
 * <p>The data directory holds the log ({@code dataDir/logs}), the generated {@code server.properties} and a
 * small {@value #STATE_FILE} file with the cluster id and the ports chosen on first use. The directory is
 * formatted (with {@code kafka-storage format --standalone}) only the first time; a later start on the same
 * directory reuses the stored controller port, because the single controller's endpoint is written into the
 * KRaft voter set at format time, and comes back with its topics and records.
 *
 * <p>Not thread-safe: start and close from one thread.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    static final String STATE_FILE = "embedded-kafka.properties";
    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    static {
        quietLog4jApi();
    }

    private final Path dataDir;
    private final int requestedPort;
    private final boolean deleteOnClose;
    /** Set for a member of a multi-node cluster (static voter set); null for the single-node broker. */
    private final ClusterMember member;

    private Duration groupHeartbeat = DEFAULT_GROUP_HEARTBEAT;
    private int requestHandlers = DEFAULT_REQUEST_HANDLERS;
    private KafkaRaftServer server;
    private int port = -1;
    private int controllerPort = -1;
    private boolean closed;

    /**
     * @param dataDir where the log and metadata live; kept across restarts (formatted only on first use)
     * @param port    the broker's PLAINTEXT listener port on 127.0.0.1; 0 picks one (the port used last time
     *                on this dataDir if it is free, else any free port)
     */
    public EmbeddedKafka(Path dataDir, int port) {
        this(dataDir, port, false);
    }

    private EmbeddedKafka(Path dataDir, int port, boolean deleteOnClose) {
        this(dataDir, port, deleteOnClose, null);
    }

    private EmbeddedKafka(Path dataDir, int port, boolean deleteOnClose, ClusterMember member) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        this.dataDir = dataDir.toAbsolutePath();
        this.requestedPort = port;
        this.deleteOnClose = deleteOnClose;
        this.member = member;
    }

    /**
     * One node (broker and controller) of a multi-node KRaft cluster with a static voter set, e.g. three
     * processes for the fault suite's "one broker of three down" scenario. Every node is formatted with the
     * same cluster ID; internal topics get replication 3 (or the node count) and min ISR 2.
     *
     * @param voters {@code id@host:controllerPort} of every node, comma-separated, this one included
     */
    public static EmbeddedKafka clusterMember(Path dataDir, int nodeId, int port, int controllerPort, String voters,
            String clusterId) {
        if (port <= 0 || controllerPort <= 0) {
            throw new IllegalArgumentException("a cluster member needs fixed ports");
        }
        return new EmbeddedKafka(dataDir, port, false, new ClusterMember(nodeId, controllerPort, voters, clusterId));
    }

    private record ClusterMember(int nodeId, int controllerPort, String voters, String clusterId) {
        int nodes() {
            return voters.split(",").length;
        }
    }

    /** How often members of KIP-848 groups heartbeat unless {@link #groupHeartbeat} says otherwise. */
    static final Duration DEFAULT_GROUP_HEARTBEAT = Duration.ofSeconds(1);

    /**
     * Sets the heartbeat interval of KIP-848 group members (broker-side), from 0.5 s up to half the 6 s
     * session timeout; before {@link #start()}. Longer means fewer requests from idle members and a
     * rebalance that takes longer to reach them; a dead member is noticed after the session timeout either way.
     */
    public synchronized EmbeddedKafka groupHeartbeat(Duration interval) {
        if (server != null) {
            throw new IllegalStateException("set the group heartbeat before start()");
        }
        if (interval.toMillis() < 500 || interval.toMillis() > 3000) {
            throw new IllegalArgumentException("group heartbeat must be from 500 ms to 3 s, got " + interval.toMillis() + " ms");
        }
        this.groupHeartbeat = interval;
        return this;
    }

    /** Request handler threads ({@code num.io.threads}, of the broker and of the controller each) by default. */
    static final int DEFAULT_REQUEST_HANDLERS = 4;

    /**
     * Sets how many threads handle requests (1-8), before {@link #start()}. Each idle handler wakes a few
     * times a second to look for a request, so a broker that mostly waits needs few.
     */
    public synchronized EmbeddedKafka requestHandlers(int threads) {
        if (server != null) {
            throw new IllegalStateException("set the request handlers before start()");
        }
        if (threads < 1 || threads > 8) {
            throw new IllegalArgumentException("request handlers must be from 1 to 8, got " + threads);
        }
        this.requestHandlers = threads;
        return this;
    }

    /** A broker in a fresh temporary directory on a free port; {@link #close()} deletes the directory. */
    public static EmbeddedKafka temporary() {
        try {
            return new EmbeddedKafka(Files.createTempDirectory("embedded-kafka-"), 0, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory", e);
        }
    }

    /**
     * Formats the data directory if needed, starts the broker and waits until it answers requests.
     *
     * @return this
     * @throws IllegalStateException if already started or closed, or the broker does not come up
     */
    public synchronized EmbeddedKafka start() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(dataDir);
            Path logDir = dataDir.resolve("logs");
            Path stateFile = dataDir.resolve(STATE_FILE);
            boolean formatted = Files.exists(logDir.resolve("meta.properties"));

            Properties state = new Properties();
            if (Files.exists(stateFile)) {
                try (InputStream in = Files.newInputStream(stateFile)) {
                    state.load(in);
                }
            } else if (formatted) {
                throw new IllegalStateException(logDir + " is formatted but " + stateFile
                        + " is missing: cannot tell which controller port it was formatted with");
            }

            String clusterId = member != null ? member.clusterId()
                    : state.getProperty("cluster.id", Uuid.randomUuid().toString());
            controllerPort = member != null ? member.controllerPort()
                    : formatted ? Integer.parseInt(state.getProperty("controller.port"))
                    : freePort(-1);
            if (formatted && !canBind(controllerPort)) {
                throw new IllegalStateException("controller port " + controllerPort + " (fixed for " + dataDir
                        + " when it was formatted) is in use: is another broker running on this data dir?");
            }
            int storedPort = Integer.parseInt(state.getProperty("broker.port", "-1"));
            port = requestedPort != 0 ? requestedPort : reuseOrFreePort(storedPort, controllerPort);
            if (port == controllerPort) {
                throw new IllegalStateException("broker port " + port + " is this data dir's controller port");
            }

            Properties props = brokerProperties(logDir);
            Path configFile = dataDir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(configFile)) {
                props.store(out, "generated by EmbeddedKafka; rewritten on every start");
            }

            if (!formatted) {
                format(configFile, clusterId);
            }
            state.setProperty("cluster.id", clusterId);
            state.setProperty("controller.port", Integer.toString(controllerPort));
            state.setProperty("broker.port", Integer.toString(port));
            try (OutputStream out = Files.newOutputStream(stateFile)) {
                state.store(out, "EmbeddedKafka: the controller port is part of the formatted KRaft voter set");
            }

            KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server = s;
            s.startup();
            awaitReady();
        } catch (IOException e) {
            stopQuietly();
            throw new UncheckedIOException("cannot start the embedded Kafka broker in " + dataDir, e);
        } catch (RuntimeException e) {
            stopQuietly();
            throw e;
        }
        LOG.info("Embedded Kafka ready at {} (data in {}) in {} ms", bootstrapServers(), dataDir,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return this;
    }

    /** "127.0.0.1:PORT" of the PLAINTEXT listener; only valid once {@link #start()} has chosen the port. */
    public String bootstrapServers() {
        if (port <= 0) {
            throw new IllegalStateException("not started");
        }
        return HOST + ":" + port;
    }

    /** The data directory (absolute). */
    public Path dataDir() {
        return dataDir;
    }

    /** Shuts the broker down cleanly and waits for it; a temporary instance also deletes its directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopQuietly();
        if (deleteOnClose) {
            TempDirs.deleteRecursively(dataDir);
        }
    }

    Properties brokerProperties(Path logDir) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", Integer.toString(member != null ? member.nodeId() : NODE_ID));
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        // Dynamic quorum: with --standalone the voter set (this node's controller endpoint) is written at
        // format time, so the controller port has to stay the same across restarts.
        if (member != null) {
            p.setProperty("controller.quorum.voters", member.voters()); // static quorum, same on every node
        } else {
            p.setProperty("controller.quorum.bootstrap.servers", HOST + ":" + controllerPort);
            // The active controller appends a no-op record to the metadata log every 500 ms (Kafka's
            // default) so that other nodes can tell how current they are; a single node has no one to
            // tell, and each record cost an idle dev mode a log append and a metadata update.
            p.setProperty("metadata.max.idle.interval.ms", "0");
        }
        p.setProperty("log.dirs", logDir.toString());

        String replication = member != null ? Integer.toString(Math.min(3, member.nodes())) : "1";
        String minIsr = member != null && member.nodes() >= 3 ? "2" : "1";
        p.setProperty("offsets.topic.replication.factor", replication);
        p.setProperty("offsets.topic.num.partitions", "5");
        p.setProperty("transaction.state.log.replication.factor", replication);
        p.setProperty("transaction.state.log.min.isr", minIsr);
        p.setProperty("transaction.state.log.num.partitions", "5");
        p.setProperty("share.coordinator.state.topic.replication.factor", replication);
        p.setProperty("share.coordinator.state.topic.min.isr", minIsr);
        p.setProperty("default.replication.factor", replication);
        p.setProperty("min.insync.replicas", minIsr);
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        recoverySettings(p, groupHeartbeat);
        p.setProperty("num.partitions", "1");
        // Topics exist because someone created them: a metadata request for a misspelt name (a reply
        // topic, a consumer's subscription) must not create it. Fusion creates its own topics at start-up.
        p.setProperty("auto.create.topics.enable", "false");
        // A dev broker on a small machine: fewer threads than the production defaults.
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", Integer.toString(requestHandlers));
        p.setProperty("num.recovery.threads.per.data.dir", "1");
        return p;
    }

    /**
     * How fast the group coordinator notices a dead member (docs/architecture.md, Recovery). KIP-848
     * consumer groups take their session timeout and heartbeat interval from the broker, not the client:
     * the defaults (45 s, 5 s) kept a killed worker's partitions idle for ~45 s. 6 s with a 1 s heartbeat
     * (2 s in dev mode, {@link #groupHeartbeat}) moves them within about 7 s and still rides out a long GC
     * pause. Classic groups (the Streams app)
     * ask for their own session timeout, which must be at least {@code group.min.session.timeout.ms}.
     */
    static void recoverySettings(Properties p, Duration heartbeat) {
        p.setProperty("group.consumer.session.timeout.ms", "6000");
        p.setProperty("group.consumer.min.session.timeout.ms", "3000");
        p.setProperty("group.consumer.heartbeat.interval.ms", Long.toString(heartbeat.toMillis()));
        p.setProperty("group.consumer.min.heartbeat.interval.ms", "500");
        p.setProperty("group.min.session.timeout.ms", "3000");
    }

    private void format(Path configFile, String clusterId) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int rc;
        String[] args = member != null
                ? new String[] {"format", "--config", configFile.toString(), "--cluster-id", clusterId}
                : new String[] {"format", "--config", configFile.toString(), "--cluster-id", clusterId, "--standalone"};
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            // execute, not main: main calls System.exit.
            rc = StorageTool.execute(args, out);
        } catch (RuntimeException e) {
            throw new IllegalStateException("formatting " + dataDir + " failed: "
                    + captured.toString(StandardCharsets.UTF_8).trim(), e);
        }
        if (rc != 0) {
            throw new IllegalStateException("formatting " + dataDir + " failed (exit " + rc + "): "
                    + captured.toString(StandardCharsets.UTF_8).trim());
        }
        LOG.debug("formatted {}: {}", dataDir, captured.toString(StandardCharsets.UTF_8).trim());
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Exception last = null;
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000))) {
            while (System.nanoTime() < deadline) {
                try {
                    var nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5_000))
                            .nodes().get(10, TimeUnit.SECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the broker", e);
                } catch (Exception e) {
                    last = e;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the broker", e);
                }
            }
        }
        throw new IllegalStateException("the embedded broker at " + bootstrapServers()
                + " did not answer within " + READY_TIMEOUT, last);
    }

    private void stopQuietly() {
        KafkaRaftServer s = server;
        server = null;
        if (s == null) {
            return;
        }
        try {
            s.shutdown();
            s.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("error while shutting the embedded broker down", e);
        }
    }

    /**
     * The broker's {@code LoggingController} logs through log4j-api. Without log4j-core on the class path
     * (the launcher's runtime; Fusion logs through slf4j and logback) log4j-api prints "ERROR StatusLogger Log4j2
     * could not find a logging implementation" on start: point it at its own no-frills logger instead,
     * unless the application chose something itself.
     */
    private static void quietLog4jApi() {
        String key = "log4j2.loggerContextFactory";
        if (System.getProperty(key) != null) {
            return;
        }
        ClassLoader loader = EmbeddedKafka.class.getClassLoader();
        for (String provider : new String[] {
                "org.apache.logging.log4j.core.impl.Log4jContextFactory", // log4j-core
                "org.apache.logging.slf4j.SLF4JLoggerContextFactory"}) { // log4j-to-slf4j
            try {
                Class.forName(provider, false, loader);
                return;
            } catch (ClassNotFoundException | LinkageError absent) {
                // try the next
            }
        }
        System.setProperty(key, "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
    }

    /** The stored port if it can be bound now, else a free one; never {@code avoid}. */
    private static int reuseOrFreePort(int stored, int avoid) {
        if (stored > 0 && stored != avoid && canBind(stored)) {
            return stored;
        }
        return freePort(avoid);
    }

    private static boolean canBind(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort(int avoid) {
        for (int attempt = 0; attempt < 10; attempt++) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
                int p = socket.getLocalPort();
                if (p != avoid) {
                    return p;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free port on " + HOST, e);
            }
        }
        throw new IllegalStateException("cannot find a free port on " + HOST);
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + (port > 0 ? bootstrapServers() : "not started") + ", " + dataDir + "]";
    }
}
