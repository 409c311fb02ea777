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
 * /v1/models}, {@code GET /sim/stats}, {@code POST /sim/stats/reset}, {@code GET /sim/requests}, {@code
 * POST /sim/requests/reset}, {@code GET /health}; and a small built-in web at the root: {@code GET
 * /search?q=...&format=json} (SearXNG's JSON API) and the pages it finds, {@code GET /web/<slug>} (HTML).
 *
 * <p><b>Strict.</b> Requests are checked as OpenAI and OpenRouter check them ({@link ChatRequest}): a
 * {@code tool} message must answer a tool call of the assistant message right before its block, every
 * tool call must be answered, {@code tool_choice} needs {@code tools} and may only name one of them, tool
 * entries must be well formed, {@code reasoning.effort} must be one of OpenRouter's, numbers in range. A
 * refused request is a 400 in the OpenAI error shape with {@code param} naming the field.
 *
 * <p><b>Settings honoured.</b> {@code max_completion_tokens} (or {@code max_tokens}) cuts the reply to that
 * many tokens (finish reason {@code length}); {@code reasoning} makes every reply spend reasoning tokens
 * inside that budget, reported as {@code usage.completion_tokens_details.reasoning_tokens}; {@code
 * tool_choice: "none"} never yields tool calls.
 *
 * <p><b>Web tools.</b> With the model option {@code web_steps=N}, a model offered the function tools
 * {@code web_search} and {@code web_fetch} takes N tool steps before it answers, citing what it fetched;
 * offered OpenRouter's server tools, it runs them itself. See {@link WebAgent}.
 *
 * <p><b>Request record.</b> Every chat request that reaches the handler (answered or refused) is kept: its
 * method, path, headers (credentials left out), model ID and body, as {@link RecordedRequest}s from
 * {@link #requests()}, so a test can assert on what each inner call actually received; {@link
 * #clearRequests()} forgets them. Bounded: only the latest {@link SimulatorConfig#recordRequests()} (default
 * 10,000) holding at most {@link SimulatorConfig#recordBytes()} (default 32 MiB) of bodies are kept, the
 * oldest going first, so a benchmark cannot exhaust memory. It is on by default and cheap on the hot path:
 * the body bytes already read are kept as they are and parsed only when a test asks.
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
  private final RequestRecord requestRecord;
  private final WebPages web;
  private volatile boolean started;
  private volatile int port = -1;

  public ModelSimulator(Vertx vertx, SimulatorConfig config) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.config = Objects.requireNonNull(config, "config");
    this.requestRecord = new RequestRecord(config.recordRequests(), config.recordBytes());
    this.web = new WebPages(WebCorpus.BUILT_IN, this::rootUrl);
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
    return rootUrl() + "/v1";
  }

  /**
   * The simulator's root, e.g. {@code http://127.0.0.1:8090}: its SearXNG-style search is {@code
   * {root}/search}, its web pages {@code {root}/web/<slug>}.
   */
  public String rootUrl() {
    String host = config.host();
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
      host = "127.0.0.1";
    } else if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + port;
  }

  /**
   * The chat requests received (answered or refused), oldest first: the latest {@link
   * SimulatorConfig#recordRequests()} of them holding at most {@link SimulatorConfig#recordBytes()} of
   * bodies. A snapshot; see {@link RecordedRequest}.
   */
  public List<RecordedRequest> requests() {
    return requestRecord.snapshot();
  }

  /** The recorded chat requests for one model name ({@code sim/alpha}, options ignored), oldest first. */
  public List<RecordedRequest> requests(String modelName) {
    String name = SimulatorConfig.normalizeModel(modelName);
    return requestRecord.snapshot().stream()
        .filter(r -> r.modelName() != null && SimulatorConfig.normalizeModel(r.modelName()).equals(name))
        .toList();
  }

  /** Forgets the recorded requests. */
  public void clearRequests() {
    requestRecord.clear();
  }

  /** How many {@code /search} requests and {@code /web/} page requests the built-in web has answered. */
  public Map<String, Long> webCounts() {
    return Map.of("searches", web.searches(), "pages", web.pagesServed());
  }

  /** {@code http://host:port} as the request addressed the simulator. */
  private String webRoot(RoutingContext ctx) {
    return web.root(ctx.request());
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
    web.reset();
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
    r.get("/sim/requests").handler(this::handleRequests);
    r.post("/sim/requests/reset")
        .handler(
            ctx -> {
              clearRequests();
              sendJson(ctx.response(), 200, JSON.objectNode().put("cleared", true));
            });
    r.get("/search").handler(web::search);
    r.get("/web/*").handler(web::page);
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
    ObjectNode w = out.putObject("web");
    w.put("searches", web.searches());
    w.put("pages", web.pagesServed());
    return out;
  }

  /** {@code GET /sim/requests?limit=N}: the latest N recorded chat requests (default 50), oldest first. */
  private void handleRequests(RoutingContext ctx) {
    int limit = 50;
    String l = ctx.request().getParam("limit");
    if (l != null) {
      try {
        limit = Math.max(0, Integer.parseInt(l.trim()));
      } catch (NumberFormatException e) {
        sendError(ctx.response(), 400, "limit must be a number", "invalid_request_error", "limit",
            "invalid_value", -1);
        return;
      }
    }
    List<RecordedRequest> all = requests();
    ObjectNode out = JSON.objectNode();
    ArrayNode list = out.putArray("requests");
    for (RecordedRequest r : all.subList(Math.max(0, all.size() - limit), all.size())) {
      ObjectNode o = list.addObject();
      o.put("sequence", r.sequence());
      o.put("method", r.method());
      o.put("path", r.path());
      ObjectNode h = o.putObject("headers");
      r.headers().forEach(h::put);
      o.put("model", r.model());
      JsonNode body = r.body();
      if (body.isMissingNode()) {
        o.put("body_text", r.bodyText());
      } else {
        o.set("body", body);
      }
    }
    sendJson(ctx.response(), 200, out);
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
    Buffer b = ctx.body().buffer();
    if (b == null || b.length() == 0) {
      requestRecord.add(ctx.request(), null, new byte[0]);
      sendError(resp, 400, "The request body is empty", "invalid_request_error", null,
          "invalid_request", -1);
      return;
    }
    byte[] bytes = b.getBytes();
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (IOException e) {
      requestRecord.add(ctx.request(), null, bytes);
      sendError(resp, 400, "The request body is not valid JSON", "invalid_request_error", null,
          "invalid_json", -1);
      return;
    }
    JsonNode modelNode = root == null ? null : root.get("model");
    requestRecord.add(ctx.request(), modelNode != null && modelNode.isTextual() ? modelNode.asText() : null, bytes);
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
    new Exchange(resp, req, plan, conversation, requestHash, webRoot(ctx)).run();
  }

  // ---------------------------------------------------------------- one call

  /** How many completions are remembered now (at most {@value #REMEMBERED_COMPLETIONS}). */
  int rememberedCompletions() {
    return completions.size();
  }

  /** Which completion a request gets: the same key, the same text. */
  private record CompletionKey(boolean judge, long requestHash) {}

  /**
   * The completion for {@code key}, remembered: a completion is a pure function of its request (the
   * model and the conversation, which {@code requestHash} covers, and the judge mode), so a request
   * seen before gets the same text without the judge's comparison or the answer generator running
   * again. The simulator shares the machine with the system a benchmark measures, and a benchmark sends
   * the same prompt many times. Bounded: when full it starts over.
   */
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
    /** {@code http://host:port} as this request reached the simulator: where its web pages are. */
    final String root;
    final String id;
    final long created = System.currentTimeMillis() / 1000;
    boolean closed;
    long timerId = -1;

    Exchange(
        HttpServerResponse resp,
        ChatRequest req,
        RequestPlan plan,
        String conversation,
        long requestHash,
        String root) {
      this.resp = resp;
      this.req = req;
      this.plan = plan;
      this.conversation = conversation;
      this.requestHash = requestHash;
      this.root = root;
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

    /** The reply: what the model says, within the request's token budget (reasoning included). */
    Completion completion() {
      return said().withBudget(req.maxTokens, req.reasoningTokens());
    }

    private Completion said() {
      String f = plan.fault();
      if ("empty".equals(f)) {
        return Completion.text("");
      }
      if ("garbage_json".equals(f)) {
        return Completion.text(GARBAGE_CONTENT);
      }
      if ("schema_mismatch".equals(f)) {
        return Completion.text(SCHEMA_MISMATCH_CONTENT);
      }
      if (plan.webSteps() > 0 && WebAgent.applies(req)) {
        WebAgent.Decision d = WebAgent.next(req, plan.webSteps(), plan.webFanout(), requestHash, root);
        if (!d.answers()) {
          return Completion.toolCalls(d.calls());
        }
        return req.judgeMode ? judgeAnalysis() : Completion.text(WebAgent.answer(naturalText(), d));
      }
      if (plan.webSteps() > 0 && WebAgent.providerRunsServerTools(req)) {
        return withServerTools(WebAgent.runServerTools(req, plan.webSteps()));
      }
      if (req.judgeMode) {
        return judgeAnalysis();
      }
      String tool = ToolRouter.decide(req);
      if (tool != null) {
        return Completion.toolCalls(
            List.of(new ChatRequest.ToolCall("call_" + Seeds.hex(requestHash), tool, "{}")));
      }
      if (plan.echo()) {
        return Completion.text(req.lastUserText());
      }
      Completion natural = naturalCompletion();
      return plan.answerBytes() > 0 ? Completion.text(sized(natural.content(), plan.answerBytes())) : natural;
    }

    private Completion judgeAnalysis() {
      return remembered(new CompletionKey(true, requestHash), () -> {
        String input = req.userText();
        List<JudgeAnalyzer.Block> blocks = JudgeAnalyzer.parseBlocks(input);
        if (blocks.isEmpty()) {
          input = conversation;
          blocks = JudgeAnalyzer.parseBlocks(input);
        }
        return Completion.text(JudgeAnalyzer.analyze(input, blocks).toString());
      });
    }

    private Completion naturalCompletion() {
      return remembered(new CompletionKey(false, requestHash), () -> Completion.text(
          AnswerGenerator.answer(req.modelName, conversation, req.lastUserText())));
    }

    private String naturalText() {
      return naturalCompletion().content();
    }

    /** The reply of a provider that ran its own web tools: the answer citing the best page found. */
    private Completion withServerTools(WebAgent.ServerRun run) {
      if (req.judgeMode) {
        return judgeAnalysis().withServerTools(run.searches(), run.fetches(), List.of());
      }
      if (run.cited() == null) {
        return Completion.text(naturalText() + "\n\nThe web search found nothing relevant.")
            .withServerTools(run.searches(), run.fetches(), List.of());
      }
      String url = root + WebCorpus.PATH_PREFIX + run.cited().slug();
      String text = naturalText() + "\n\nSource: " + url;
      return Completion.text(text).withServerTools(run.searches(), run.fetches(),
          List.of(new Completion.Citation(url, run.cited().title(), text.length() - url.length(), text.length())));
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
      Buffer body = Buffer.buffer(c.body(id, created, req.modelName, promptTokens(req)));
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
        toolCallEvents(c.toolCallList(), content, contentTokens);
      } else {
        String prefix = contentEventPrefix(id, created, req.modelName);
        Completion.StreamPieces pieces = c.streamPieces();
        for (int i = 0; i < pieces.quoted().size(); i++) {
          content.add(contentEvent(prefix, pieces.quoted().get(i)));
          contentTokens.add(pieces.tokens()[i]);
        }
      }
      if (!c.citations().isEmpty()) {
        ObjectNode delta = JSON.objectNode();
        delta.set("annotations", tree(c.annotationsJson()));
        content.add(event(chunk(delta, null)));
        contentTokens.add(0);
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
          tail.append(usageEvent(id, created, req.modelName, c, promptTokens(req)));
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

    /**
     * The events of tool calls as OpenAI streams them: per call, one delta with its index, id, type and
     * name (arguments empty), then deltas with pieces of the arguments.
     */
    void toolCallEvents(List<ChatRequest.ToolCall> calls, List<String> events, List<Integer> eventTokens) {
      for (int i = 0; i < calls.size(); i++) {
        ChatRequest.ToolCall call = calls.get(i);
        ObjectNode first = JSON.objectNode();
        ObjectNode opening = first.putArray("tool_calls").addObject();
        opening.put("index", i).put("id", call.id()).put("type", "function");
        opening.putObject("function").put("name", call.name()).put("arguments", "");
        events.add(event(chunk(first, null)));
        eventTokens.add(tokens(call.name()) + 1);
        for (String piece : argumentPieces(call.arguments())) {
          ObjectNode more = JSON.objectNode();
          more.putArray("tool_calls").addObject().put("index", i).putObject("function").put("arguments", piece);
          events.add(event(chunk(more, null)));
          eventTokens.add(tokens(piece));
        }
      }
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

  /** The last event of a stream that asked for usage: no choices, the usage. */
  static String usageEvent(String id, long created, String model, Completion c, int promptTokens) {
    StringBuilder out = new StringBuilder(200).append("data: {\"id\":").append(quoted(id))
        .append(",\"object\":\"chat.completion.chunk\",\"created\":").append(created)
        .append(",\"model\":").append(quoted(model)).append(",\"choices\":[],\"usage\":");
    return c.usageJson(out, promptTokens).append("}\n\n").toString();
  }

  /** Tool-call arguments in stream pieces of up to 16 characters, no surrogate pair split. */
  static List<String> argumentPieces(String arguments) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < arguments.length()) {
      int end = Math.min(arguments.length(), i + 16);
      if (end < arguments.length() && Character.isHighSurrogate(arguments.charAt(end - 1))) {
        end--;
      }
      out.add(arguments.substring(i, end));
      i = end;
    }
    if (out.isEmpty()) {
      out.add("");
    }
    return out;
  }

  private static JsonNode tree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
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
      for (ChatRequest.ToolCall c : m.toolCalls()) {
        n += tokens(c.name()) + tokens(c.arguments());
      }
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
