package dev.fusion.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenAI-compatible chat-completions server with deterministic answers, configurable latency and
 * streaming speed, and fault injection. Serves models named {@code sim/<name>[;key=value...]}.
 *
 * <p>Endpoints: {@code POST /v1/chat/completions} (and {@code /chat/completions}), {@code GET
 * /v1/models}, {@code GET /sim/stats}, {@code POST /sim/stats/reset}, {@code GET /health}.
 */
public final class ModelSimulator implements AutoCloseable {

  public static final String MODEL_PREFIX = "sim/";
  public static final String OPTIONS_HEADER = "x-sim-options";
  public static final int MAX_CONCURRENT_STREAMS = 100_000;

  static final String GARBAGE_CONTENT = "Sure! Here's the analysis: {oops";
  static final String SCHEMA_MISMATCH_CONTENT = "{\"consensus\":\"not an array\"}";
  static final String MALFORMED_BODY = "{\"id\": \"chatcmpl-x\", \"choices\": [";
  static final String MALFORMED_CHUNK =
      "{\"id\": \"chatcmpl-x\", \"object\": \"chat.completion.chunk\", \"choices\": [{\"delta\":"
          + " {\"content\": \"oops";

  private static final Logger LOG = LoggerFactory.getLogger(ModelSimulator.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Pattern HTTP_FAULT = Pattern.compile("http(\\d{3})");
  private static final int WORDS_PER_CHUNK = 3;
  private static final String DONE_EVENT = "data: [DONE]\n\n";

  private static final AtomicInteger RANDOM_SHARED_PORT = new AtomicInteger(-7000);

  private final Vertx vertx;
  private final SimulatorConfig config;
  private final ConcurrentHashMap<String, AtomicLong> calls = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicLong> protocols = new ConcurrentHashMap<>();
  /** Chat calls being answered right now, and the most there were at once since the last reset. */
  private final AtomicInteger openCalls = new AtomicInteger();
  private final AtomicInteger maxOpenCalls = new AtomicInteger();
  private final ConcurrentHashMap<String, AtomicLong> faultCalls = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private static final int REMEMBERED_COMPLETIONS = 512;
  private final ConcurrentHashMap<CompletionKey, Completion> completions = new ConcurrentHashMap<>();
  private final Set<Long> timers = ConcurrentHashMap.newKeySet();
  private final List<String> deployments = new CopyOnWriteArrayList<>();
  private volatile boolean started;
  private volatile int port = -1;

  public ModelSimulator(Vertx vertx, SimulatorConfig config) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.config = Objects.requireNonNull(config, "config");
  }

  public SimulatorConfig config() {
    return config;
  }

  /**
   * Starts listening on {@code config.host()}.
   *
   * @param port the port, 0 for a random free one
   * @return the bound port
   */
  public Future<Integer> start(int port) {
    if (started) {
      return Future.failedFuture(new IllegalStateException("simulator already started"));
    }
    started = true;
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(config.host())
            .setHttp2ClearTextEnabled(true)
            .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                .setInitialWindowSize(1024 * 1024))
            .setHttp2ConnectionWindowSize(64 * 1024 * 1024)
            .setTcpNoDelay(true)
            .setHandle100ContinueAutomatically(true);
    // Several servers on one port: Vert.x shares the socket and spreads connections across their
    // event loops. A random port is shared only when asked for with a negative port number (the
    // same negative number for every server that should share it).
    int listenPort =
        port == 0 && config.instances() > 1 ? RANDOM_SHARED_PORT.decrementAndGet() : port;
    return deploy(options, listenPort, config.instances())
        .map(
            p -> {
              this.port = p;
              return p;
            })
        .onSuccess(p -> LOG.info("Model simulator listening on {}", baseUrl()))
        .onFailure(e -> started = false);
  }

  private Future<Integer> deploy(HttpServerOptions options, int port, int instances) {
    Set<Integer> bound = ConcurrentHashMap.newKeySet();
    return vertx
        .deployVerticle(
            () -> new ServerVerticle(options, port, bound),
            new DeploymentOptions().setInstances(instances))
        .compose(
            id -> {
              deployments.add(id);
              if (bound.size() != 1) {
                return stop()
                    .transform(
                        ar ->
                            Future.failedFuture(
                                new IllegalStateException(
                                    "simulator servers bound different ports: " + bound)));
              }
              return Future.succeededFuture(bound.iterator().next());
            });
  }

  /** One HTTP server on its own event loop; undeploying it closes the server. */
  private final class ServerVerticle extends VerticleBase {
    private final HttpServerOptions options;
    private final int port;
    private final Set<Integer> bound;

    ServerVerticle(HttpServerOptions options, int port, Set<Integer> bound) {
      this.options = options;
      this.port = port;
      this.bound = bound;
    }

    @Override
    public Future<?> start() {
      return vertx
          .createHttpServer(options)
          .requestHandler(router())
          // listen(port) alone would bind 0.0.0.0 whatever the options say: name the host.
          .listen(port, options.getHost())
          .onSuccess(s -> bound.add(s.actualPort()));
    }
  }

  /** The bound port, or -1 before {@link #start(int)} completed. */
  public int port() {
    return port;
  }

  /** The OpenAI base URL, e.g. {@code http://127.0.0.1:8090/v1}. */
  public String baseUrl() {
    String host = config.host();
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
      host = "127.0.0.1";
    } else if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + port + "/v1";
  }

  /** Requests received per model name ({@code sim/alpha}, without options), sorted by name. */
  public Map<String, Long> callCounts() {
    Map<String, Long> out = new TreeMap<>();
    calls.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** Chat calls per HTTP version ({@code HTTP_1_1}, {@code HTTP_2}), so a client can check what it spoke. */
  public Map<String, Long> protocolCounts() {
    Map<String, Long> out = new TreeMap<>();
    protocols.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** The most chat calls that were being answered at the same moment (since the last reset). */
  public int maxConcurrentCalls() {
    return maxOpenCalls.get();
  }

  /** Zeroes the call counts and the {@code fail_times}/{@code fail_rate} call counters. */
  public void resetCounts() {
    calls.clear();
    protocols.clear();
    maxOpenCalls.set(openCalls.get());
    faultCalls.clear();
  }

  /** Timers currently scheduled (latency, pacing, hang); for leak checks in tests. */
  int pendingTimers() {
    return timers.size();
  }

  public Future<Void> stop() {
    for (Long t : timers) {
      vertx.cancelTimer(t);
    }
    timers.clear();
    List<Future<Void>> closing = new ArrayList<>();
    for (String id : deployments) {
      closing.add(vertx.undeploy(id));
    }
    deployments.clear();
    return Future.join(closing).mapEmpty();
  }

  /** Stops the servers; waits for them (up to 10 s) unless called on an event loop. */
  @Override
  public void close() {
    Future<Void> f = stop();
    if (Context.isOnEventLoopThread()) {
      return;
    }
    try {
      f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("Simulator did not stop cleanly: {}", e.toString());
    }
  }

  // ---------------------------------------------------------------- routes

  private Router router() {
    Router r = Router.router(vertx);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(config.bodyLimitBytes());
    r.post("/v1/chat/completions").handler(body).handler(this::handleChat);
    r.post("/chat/completions").handler(body).handler(this::handleChat);
    r.get("/v1/models").handler(this::handleModels);
    r.get("/models").handler(this::handleModels);
    r.get("/sim/stats").handler(ctx -> sendJson(ctx.response(), 200, statsJson()));
    r.post("/sim/stats/reset")
        .handler(
            ctx -> {
              resetCounts();
              sendJson(ctx.response(), 200, statsJson());
            });
    r.get("/health")
        .handler(ctx -> sendJson(ctx.response(), 200, JSON.objectNode().put("status", "ok")));
    r.route()
        .last()
        .handler(
            ctx ->
                sendError(
                    ctx.response(), 404, "Unknown path " + ctx.request().path(),
                    "invalid_request_error", null, "not_found", -1));
    r.errorHandler(
        413,
        ctx ->
            sendError(
                ctx.response(), 413, "Request body too large", "invalid_request_error", null,
                "request_too_large", -1));
    r.errorHandler(
        500,
        ctx -> {
          if (ctx.failure() != null) {
            LOG.warn("Simulator handler failed", ctx.failure());
          }
          if (!ctx.response().ended() && !ctx.response().headWritten()) {
            sendError(
                ctx.response(), 500, "Simulator internal error", "server_error", null,
                "internal_error", -1);
          }
        });
    return r;
  }

  private ObjectNode statsJson() {
    ObjectNode out = JSON.objectNode();
    ObjectNode c = out.putObject("calls");
    long total = 0;
    for (Map.Entry<String, Long> e : callCounts().entrySet()) {
      c.put(e.getKey(), e.getValue());
      total += e.getValue();
    }
    out.put("total", total);
    ObjectNode p = out.putObject("protocols");
    protocolCounts().forEach(p::put);
    out.put("max_concurrent_calls", maxConcurrentCalls());
    return out;
  }

  private void handleModels(RoutingContext ctx) {
    Set<String> names = new TreeSet<>(calls.keySet());
    for (String m : config.modelOptions().keySet()) {
      names.add(MODEL_PREFIX + m);
    }
    ObjectNode out = JSON.objectNode().put("object", "list");
    ArrayNode data = out.putArray("data");
    for (String n : names) {
      data.addObject()
          .put("id", n)
          .put("object", "model")
          .put("created", 0)
          .put("owned_by", "fusion-simulator");
    }
    sendJson(ctx.response(), 200, out);
  }

  private void handleChat(RoutingContext ctx) {
    HttpServerResponse resp = ctx.response();
    JsonNode root;
    try {
      Buffer b = ctx.body().buffer();
      if (b == null || b.length() == 0) {
        sendError(resp, 400, "The request body is empty", "invalid_request_error", null,
            "invalid_request", -1);
        return;
      }
      root = MAPPER.readTree(b.getBytes());
    } catch (IOException e) {
      sendError(resp, 400, "The request body is not valid JSON", "invalid_request_error", null,
          "invalid_json", -1);
      return;
    }
    ChatRequest req;
    try {
      req = ChatRequest.parse(root);
    } catch (ChatRequest.Rejected r) {
      sendError(resp, r.status, r.getMessage(), r.type, r.param, r.code, -1);
      return;
    }
    long callIndex = calls.computeIfAbsent(req.modelName, k -> new AtomicLong()).incrementAndGet();
    protocols.computeIfAbsent(ctx.request().version().name(), k -> new AtomicLong()).incrementAndGet();
    maxOpenCalls.accumulateAndGet(openCalls.incrementAndGet(), Math::max);
    ctx.addEndHandler(ended -> openCalls.decrementAndGet());

    SimOptions opts;
    try {
      opts =
          config
              .defaultOptions()
              .overlay(config.optionsFor(req.modelName))
              .overlay(SimOptions.parse(ctx.request().getHeader(OPTIONS_HEADER)))
              .overlay(req.suffixOptions);
    } catch (IllegalArgumentException e) {
      sendError(resp, 400, e.getMessage(), "invalid_request_error", null, "invalid_sim_options",
          -1);
      return;
    }
    String conversation = req.conversationText();
    long requestHash = Seeds.hash64(req.modelName + "\u0000" + conversation);
    String fault = opts.get(SimOptions.FAULT);
    String faultKey = null;
    long faultCall = 0;
    if (fault != null && !fault.equals("none")) {
      faultKey = req.modelName + "|" + fault;
      faultCall = faultCalls.computeIfAbsent(faultKey, k -> new AtomicLong()).incrementAndGet();
    }
    RequestPlan plan =
        RequestPlan.of(opts, config.seed(), requestHash, callIndex, faultKey, faultCall);
    new Exchange(resp, req, plan, conversation, requestHash).run();
  }

  // ---------------------------------------------------------------- one call

  /**
   * What the model "says": text content, or a call to a tool. Its wire forms (the escaped content, the
   * stream's escaped pieces) are built on first use and kept, so a remembered completion (see {@link
   * #remembered}) is escaped and split once, not on every call.
   */
  static final class Completion {
    private final String content;
    private final String toolName;
    private final String toolCallId;
    // Racy but benign: both are immutable (final fields) and the same whichever thread builds them first.
    private String quotedContent;
    private StreamPieces streamPieces;

    Completion(String content, String toolName, String toolCallId) {
      this.content = content;
      this.toolName = toolName;
      this.toolCallId = toolCallId;
    }

    String content() {
      return content;
    }

    String toolName() {
      return toolName;
    }

    String toolCallId() {
      return toolCallId;
    }

    boolean isToolCall() {
      return toolName != null;
    }

    String finishReason() {
      return isToolCall() ? "tool_calls" : "stop";
    }

    int completionTokens() {
      return isToolCall() ? 8 : tokens(content);
    }

    String quotedContent() {
      String q = quotedContent;
      if (q == null) {
        q = quoted(content);
        quotedContent = q;
      }
      return q;
    }

    /** The content split into stream pieces, each escaped as a JSON string, with its tokens. */
    StreamPieces streamPieces() {
      StreamPieces p = streamPieces;
      if (p == null) {
        List<String> raw = pieces(content);
        List<String> quoted = new ArrayList<>(raw.size());
        int[] tokens = new int[raw.size()];
        for (int i = 0; i < raw.size(); i++) {
          quoted.add(quoted(raw.get(i)));
          tokens[i] = tokens(raw.get(i));
        }
        p = new StreamPieces(List.copyOf(quoted), tokens);
        streamPieces = p;
      }
      return p;
    }
  }

  /** A completion's stream pieces: each escaped as a JSON string, and the tokens each counts. */
  record StreamPieces(List<String> quoted, int[] tokens) {}

  /** Which completion a request gets: the same key, the same text. */
  private record CompletionKey(boolean judge, long requestHash) {}

  /**
   * The completion for {@code key}, remembered: a completion is a pure function of its request (the
   * model and the conversation, which {@code requestHash} covers, and the judge mode), so a request
   * seen before gets the same text without the judge's comparison or the answer generator running
   * again. The simulator shares the machine with the system a benchmark measures, and a benchmark sends
   * the same prompt many times. Bounded: when full it starts over.
   */
  /** How many completions are remembered now (at most {@value #REMEMBERED_COMPLETIONS}). */
  int rememberedCompletions() {
    return completions.size();
  }

  private Completion remembered(CompletionKey key, java.util.function.Supplier<Completion> make) {
    Completion c = completions.get(key);
    if (c == null) {
      c = make.get();
      if (completions.size() >= REMEMBERED_COMPLETIONS) {
        completions.clear();
      }
      completions.put(key, c);
    }
    return c;
  }

  /** State of one request; all methods run on the request's event loop. */
  private final class Exchange {
    final HttpServerResponse resp;
    final ChatRequest req;
    final RequestPlan plan;
    final String conversation;
    final long requestHash;
    final String id;
    final long created = System.currentTimeMillis() / 1000;
    boolean closed;
    long timerId = -1;

    Exchange(
        HttpServerResponse resp,
        ChatRequest req,
        RequestPlan plan,
        String conversation,
        long requestHash) {
      this.resp = resp;
      this.req = req;
      this.plan = plan;
      this.conversation = conversation;
      this.requestHash = requestHash;
      this.id = "chatcmpl-sim" + Seeds.hex(requestHash).substring(0, 10)
          + Long.toHexString(ids.incrementAndGet());
    }

    void run() {
      resp.closeHandler(
          v -> {
            closed = true;
            if (timerId >= 0) {
              vertx.cancelTimer(timerId);
              timers.remove(timerId);
              timerId = -1;
            }
          });
      if ("hang".equals(plan.fault())) {
        after(plan.hangMs(), this::abort);
        return;
      }
      after(plan.latencyMs(), req.stream ? this::stream : this::respond);
    }

    /** Runs {@code action} after {@code ms} (now if 0) unless the client has gone. */
    void after(long ms, Runnable action) {
      if (closed) {
        return;
      }
      if (ms <= 0) {
        guarded(action);
        return;
      }
      timerId =
          vertx.setTimer(
              ms,
              t -> {
                timers.remove(t);
                timerId = -1;
                if (!closed) {
                  guarded(action);
                }
              });
      timers.add(timerId);
    }

    private void guarded(Runnable action) {
      try {
        action.run();
      } catch (RuntimeException e) {
        LOG.warn("Simulator failed to answer", e);
        if (!resp.headWritten()) {
          sendError(resp, 500, "Simulator internal error", "server_error", null,
              "internal_error", -1);
        } else {
          abort();
        }
      }
    }

    void abort() {
      if (!resp.ended()) {
        resp.reset();
      }
    }

    boolean httpFault() {
      String f = plan.fault();
      if (f == null) {
        return false;
      }
      Matcher m = HTTP_FAULT.matcher(f);
      if (!m.matches()) {
        return false;
      }
      sendFault(resp, Integer.parseInt(m.group(1)), plan);
      return true;
    }

    Completion completion() {
      String f = plan.fault();
      if ("empty".equals(f)) {
        return new Completion("", null, null);
      }
      if ("garbage_json".equals(f)) {
        return new Completion(GARBAGE_CONTENT, null, null);
      }
      if ("schema_mismatch".equals(f)) {
        return new Completion(SCHEMA_MISMATCH_CONTENT, null, null);
      }
      if (req.judgeMode) {
        return remembered(new CompletionKey(true, requestHash), () -> {
          String input = req.userText();
          List<JudgeAnalyzer.Block> blocks = JudgeAnalyzer.parseBlocks(input);
          if (blocks.isEmpty()) {
            input = conversation;
            blocks = JudgeAnalyzer.parseBlocks(input);
          }
          return new Completion(JudgeAnalyzer.analyze(input, blocks).toString(), null, null);
        });
      }
      String tool = ToolRouter.decide(req);
      if (tool != null) {
        return new Completion(null, tool, "call_" + Seeds.hex(requestHash));
      }
      Completion natural = remembered(new CompletionKey(false, requestHash), () -> new Completion(
          AnswerGenerator.answer(req.modelName, conversation, req.lastUserText()), null, null));
      return plan.answerBytes() > 0
          ? new Completion(sized(natural.content(), plan.answerBytes()), null, null) : natural;
    }

    /** {@code text} repeated (space-separated) and cut to exactly {@code bytes} UTF-8 bytes, on a char boundary. */
    static String sized(String text, long bytes) {
      StringBuilder out = new StringBuilder((int) Math.min(bytes, Integer.MAX_VALUE - 8));
      long size = 0;
      while (true) {
        for (int i = 0; i < text.length(); i++) {
          char c = text.charAt(i);
          int n = c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
          if (size + n > bytes) {
            // Pad with spaces to the exact size rather than split a char.
            for (; size < bytes; size++) {
              out.append(' ');
            }
            return out.toString();
          }
          out.append(c);
          size += n;
        }
        if (size + 1 > bytes) {
          return out.toString();
        }
        out.append(' ');
        size++;
      }
    }

    // ---- non-streaming

    void respond() {
      if (httpFault()) {
        return;
      }
      if ("malformed".equals(plan.fault())) {
        resp.setStatusCode(200).putHeader("content-type", "application/json").end(MALFORMED_BODY);
        return;
      }
      Completion c = completion();
      long delay = plan.firstTokenMs();
      if (plan.tokensPerSecond() > 0) {
        delay += Math.round(c.completionTokens() * 1000.0 / plan.tokensPerSecond());
      }
      after(delay, () -> sendCompletion(c));
    }

    void sendCompletion(Completion c) {
      Buffer body = Buffer.buffer(completionBody(id, created, req.modelName, c, promptTokens(req)));
      resp.setStatusCode(200).putHeader("content-type", "application/json");
      if ("truncate".equals(plan.fault())) {
        resp.putHeader("content-length", Integer.toString(body.length()));
        resp.write(body.slice(0, body.length() / 2)).onComplete(ar -> abort());
        return;
      }
      resp.end(body);
    }

    ObjectNode head(String object) {
      ObjectNode out = JSON.objectNode();
      out.put("id", id);
      out.put("object", object);
      out.put("created", created);
      out.put("model", req.modelName);
      return out;
    }

    ObjectNode usage(Completion c) {
      int prompt = promptTokens(req);
      int completion = c.completionTokens();
      ObjectNode u = JSON.objectNode();
      u.put("prompt_tokens", prompt);
      u.put("completion_tokens", completion);
      u.put("total_tokens", prompt + completion);
      return u;
    }

    // ---- streaming

    void stream() {
      if (httpFault()) {
        return;
      }
      resp.setStatusCode(200)
          .setChunked(true)
          .putHeader("content-type", "text/event-stream")
          .putHeader("cache-control", "no-cache");
      String role = event(chunk(JSON.objectNode().put("role", "assistant"), null));
      if ("malformed".equals(plan.fault())) {
        resp.end(role + "data: " + MALFORMED_CHUNK + "\n\n" + DONE_EVENT);
        return;
      }
      Completion c = completion();
      List<String> content = new ArrayList<>();
      List<Integer> contentTokens = new ArrayList<>();
      if (c.isToolCall()) {
        ObjectNode d1 = JSON.objectNode();
        ObjectNode call = d1.putArray("tool_calls").addObject();
        call.put("index", 0).put("id", c.toolCallId()).put("type", "function");
        call.putObject("function").put("name", c.toolName()).put("arguments", "");
        ObjectNode d2 = JSON.objectNode();
        d2.putArray("tool_calls").addObject().put("index", 0).putObject("function")
            .put("arguments", "{}");
        content.add(event(chunk(d1, null)));
        content.add(event(chunk(d2, null)));
        contentTokens.add(4);
        contentTokens.add(4);
      } else {
        String prefix = contentEventPrefix(id, created, req.modelName);
        StreamPieces pieces = c.streamPieces();
        for (int i = 0; i < pieces.quoted().size(); i++) {
          content.add(contentEvent(prefix, pieces.quoted().get(i)));
          contentTokens.add(pieces.tokens()[i]);
        }
      }
      boolean truncate = "truncate".equals(plan.fault());
      if (truncate) {
        int keep = content.size() / 2;
        content = new ArrayList<>(content.subList(0, keep));
      }
      StringBuilder tail = new StringBuilder();
      if (!truncate) {
        tail.append(event(chunk(JSON.objectNode(), c.finishReason())));
        if (req.includeUsage) {
          ObjectNode u = head("chat.completion.chunk");
          u.putArray("choices");
          u.set("usage", usage(c));
          tail.append(event(u));
        }
        tail.append(DONE_EVENT);
      }
      if (plan.firstTokenMs() <= 0 && plan.tokensPerSecond() <= 0) {
        StringBuilder all = new StringBuilder(role);
        content.forEach(all::append);
        finish(all.append(tail).toString(), truncate);
        return;
      }
      resp.write(role);
      List<String> events = content;
      after(plan.firstTokenMs(), () -> sendContent(events, contentTokens, 0, tail.toString(),
          truncate));
    }

    void sendContent(
        List<String> events, List<Integer> eventTokens, int from, String tail, boolean truncate) {
      int i = from;
      while (i < events.size()) {
        resp.write(events.get(i));
        int next = i + 1;
        if (next < events.size() && plan.tokensPerSecond() > 0) {
          long delay = Math.round(eventTokens.get(next) * 1000.0 / plan.tokensPerSecond());
          if (delay > 0) {
            after(delay, () -> sendContent(events, eventTokens, next, tail, truncate));
            return;
          }
        }
        i = next;
      }
      finish(tail, truncate);
    }

    void finish(String rest, boolean truncate) {
      if (truncate) {
        resp.write(rest).onComplete(ar -> abort());
      } else {
        resp.end(rest);
      }
    }

    ObjectNode chunk(ObjectNode delta, String finishReason) {
      ObjectNode out = head("chat.completion.chunk");
      ObjectNode choice = out.putArray("choices").addObject();
      choice.put("index", 0);
      choice.set("delta", delta);
      choice.putNull("logprobs");
      if (finishReason == null) {
        choice.putNull("finish_reason");
      } else {
        choice.put("finish_reason", finishReason);
      }
      return out;
    }
  }

  // ---------------------------------------------------------------- helpers

  private static String event(ObjectNode json) {
    return "data: " + json.toString() + "\n\n";
  }

  /**
   * Everything of a content chunk's event before the content string: the same JSON as {@code
   * event(chunk(delta))}, written by hand because a stream has dozens of these and building and
   * serializing a tree for each was a fifth of what the benchmark JVM allocated.
   */
  static String contentEventPrefix(String id, long created, String model) {
    return "data: {\"id\":" + quoted(id) + ",\"object\":\"chat.completion.chunk\",\"created\":" + created
        + ",\"model\":" + quoted(model) + ",\"choices\":[{\"index\":0,\"delta\":{\"content\":";
  }

  /**
   * A whole {@code chat.completion} body, written by hand like the content chunks: the judge's analysis
   * is the largest body the simulator sends, and building a tree for it and serializing the tree was
   * a large share of the simulator's allocation. The same JSON Jackson writes for that tree (tested).
   */
  static String completionBody(String id, long created, String model, Completion c, int promptTokens) {
    int completionTokens = c.completionTokens();
    StringBuilder out = new StringBuilder(300 + (c.content() == null ? 0 : c.content().length() * 9 / 8));
    out.append("{\"id\":").append(quoted(id))
        .append(",\"object\":\"chat.completion\",\"created\":").append(created)
        .append(",\"model\":").append(quoted(model))
        .append(",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
    if (c.isToolCall()) {
      out.append("null,\"tool_calls\":[{\"id\":").append(quoted(c.toolCallId()))
          .append(",\"type\":\"function\",\"function\":{\"name\":").append(quoted(c.toolName()))
          .append(",\"arguments\":\"{}\"}}]");
    } else {
      out.append(c.quotedContent());
    }
    return out.append("},\"logprobs\":null,\"finish_reason\":").append(quoted(c.finishReason()))
        .append("}],\"usage\":{\"prompt_tokens\":").append(promptTokens)
        .append(",\"completion_tokens\":").append(completionTokens)
        .append(",\"total_tokens\":").append(promptTokens + completionTokens)
        .append("}}").toString();
  }

  private static final String CONTENT_EVENT_SUFFIX = "},\"logprobs\":null,\"finish_reason\":null}]}\n\n";

  /** A content chunk's event for a piece already escaped as a JSON string (see {@link #quoted}). */
  static String contentEvent(String prefix, String quotedPiece) {
    return prefix + quotedPiece + CONTENT_EVENT_SUFFIX;
  }

  /** A JSON string literal, escaped as Jackson escapes it. */
  static String quoted(String s) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
  }

  /** Splits text into pieces of a few words; the pieces concatenate to exactly the text. */
  static List<String> pieces(String text) {
    List<String> out = new ArrayList<>();
    if (text == null || text.isEmpty()) {
      return out;
    }
    int start = 0;
    int words = 0;
    int i = 0;
    int n = text.length();
    while (i < n) {
      while (i < n && Words.isSpace(text.charAt(i))) {
        i++;
      }
      if (i == n) {
        break;
      }
      while (i < n && !Words.isSpace(text.charAt(i))) {
        i++;
      }
      // A piece ends right after its last word, as the regex \\S+ found the words.
      if (++words == WORDS_PER_CHUNK) {
        out.add(text.substring(start, i));
        start = i;
        words = 0;
      }
    }
    if (start < n) {
      out.add(text.substring(start));
    }
    return out;
  }

  /** Deterministic token estimate: one token per 4 characters, rounded up. */
  static int tokens(String text) {
    return text == null ? 0 : (text.length() + 3) / 4;
  }

  static int promptTokens(ChatRequest req) {
    int n = 3;
    for (ChatRequest.Message m : req.messages) {
      n += 4 + tokens(m.text());
    }
    return n;
  }

  private static byte[] bytes(JsonNode json) {
    try {
      return MAPPER.writeValueAsBytes(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sendJson(HttpServerResponse resp, int status, JsonNode body) {
    resp.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(Buffer.buffer(bytes(body)));
  }

  static void sendError(
      HttpServerResponse resp,
      int status,
      String message,
      String type,
      String param,
      String code,
      long retryAfterSeconds) {
    ObjectNode out = JSON.objectNode();
    ObjectNode err = out.putObject("error");
    err.put("message", message);
    err.put("type", type);
    if (param != null) {
      err.put("param", param);
    }
    err.put("code", code);
    if (retryAfterSeconds >= 0) {
      resp.putHeader("retry-after", Long.toString(retryAfterSeconds));
    }
    sendJson(resp, status, out);
  }

  private static void sendFault(HttpServerResponse resp, int status, RequestPlan plan) {
    long retryAfter =
        status == 429 || plan.explicitRetryAfter() ? plan.retryAfterSeconds() : -1;
    switch (status) {
      case 400 -> sendError(resp, 400, "Bad request (simulated)", "invalid_request_error", null,
          "bad_request", retryAfter);
      case 401 -> sendError(resp, 401, "Invalid API key (simulated)", "authentication_error",
          null, "invalid_api_key", retryAfter);
      case 402 -> sendError(resp, 402, "Insufficient credits (simulated)", "insufficient_quota",
          null, "insufficient_credits", retryAfter);
      case 403 -> sendError(resp, 403, "Forbidden (simulated)", "permission_error", null,
          "forbidden", retryAfter);
      case 404 -> sendError(resp, 404, "Model not found (simulated)", "invalid_request_error",
          "model", "model_not_found", retryAfter);
      case 408 -> sendError(resp, 408, "Request timeout (simulated)", "timeout_error", null,
          "timeout", retryAfter);
      case 429 -> sendError(resp, 429, "Rate limit exceeded (simulated)", "rate_limit_error",
          null, "rate_limited", retryAfter);
      case 500 -> sendError(resp, 500, "Internal server error (simulated)", "server_error", null,
          "internal_error", retryAfter);
      case 502 -> sendError(resp, 502, "Bad gateway (simulated)", "server_error", null,
          "bad_gateway", retryAfter);
      case 503 -> sendError(resp, 503, "Service unavailable (simulated)", "server_error", null,
          "service_unavailable", retryAfter);
      case 504 -> sendError(resp, 504, "Gateway timeout (simulated)", "server_error", null,
          "gateway_timeout", retryAfter);
      default -> sendError(resp, status, "HTTP " + status + " (simulated)",
          status >= 500 ? "server_error" : "invalid_request_error", null, "http_" + status,
          retryAfter);
    }
  }
}
