package io.kos.node.http;

import io.kos.node.NodeState;
import io.kos.node.auth.AccessControl;
import io.kos.node.auth.AuthApi;
import io.kos.node.config.NodeConfig;
import io.kos.node.klf.KlfService;
import io.kos.verticle.Errors;
import io.kos.verticle.RouteSpec;
import io.kos.verticle.VerticleModule;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The node's single HTTP port. Deployed with one instance per event loop (Vert.x spreads connections
 * over them). Mounts every known verticle's routes, deployed here or not, plus the node's own.
 */
public final class IngressVerticle extends VerticleBase {

  private final NodeConfig config;
  private final Collection<VerticleModule> modules;
  private final NodeState state;
  private HttpServer server;
  private AuthApi authApi;
  private final Map<String, Buffer> openApiDocuments;
  static final String KLF_MESSAGE = "/klf/v1/message";

  public IngressVerticle(NodeConfig config, Collection<VerticleModule> modules, NodeState state) {
    this.config = config;
    this.modules = modules;
    this.state = state;
    this.openApiDocuments = openApiDocuments(modules);
  }

  /** The node's accounts API and each module's, read here, off the event loop: a few kilobytes each. */
  private static Map<String, Buffer> openApiDocuments(Collection<VerticleModule> modules) {
    Map<String, Buffer> documents = new HashMap<>();
    readDocument(documents, AuthApi.NAME, AuthApi.class.getClassLoader(), "openapi/" + AuthApi.NAME + ".json");
    for (VerticleModule module : modules) {
      readDocument(documents, module.name(), module.getClass().getClassLoader(), module.openApiResource());
    }
    return documents;
  }

  private static void readDocument(Map<String, Buffer> documents, String owner, ClassLoader loader, String resource) {
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in != null) {
        documents.put(owner, Buffer.buffer(in.readAllBytes()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the OpenAPI document " + resource + " of " + owner, e);
    }
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    HttpEdge edge = new HttpEdge(vertx, config.headerTimeout().toMillis(), config.bodyTimeout().toMillis());
    HttpErrors.install(router, config.bodyLimit(), edge);
    // first on every request: the next request's header deadline starts when this one is answered
    router.route().order(-1).handler(ctx -> {
      ctx.addEndHandler(v -> edge.responded(ctx.request()));
      ctx.next();
    });
    edge.get(router, "/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "live").toBuffer()));
    edge.get(router, "/health/ready").handler(this::ready);
    edge.get(router, "/metrics").handler(PrometheusScrapingHandler.create(state.metricsRegistry()));
    String requestIdPrefix = Integer.toHexString(System.identityHashCode(this)) + "-";
    // klf.discoverable false: the documents discovery reads answer an authenticated caller only
    io.vertx.core.Handler<RoutingContext> discoverable = config.klf().discoverable() ? RoutingContext::next
        : new ApiEntry(false, false, this::authApi, requestIdPrefix);
    edge.get(router, "/klf/v1/identity").handler(discoverable).handler(ctx -> document(ctx, state.identityDocument()));
    edge.get(router, "/klf/v1/capabilities").handler(discoverable).handler(ctx -> document(ctx, state.capabilityDocument()));
    edge.get(router, "/klf/v1/health").handler(discoverable).handler(this::health);
    edge.mounted(KLF_MESSAGE, HttpMethod.POST);
    router.post(KLF_MESSAGE).handler(BodyHandler.create(false).setBodyLimit(config.klf().maxMessageBytes())).handler(this::klfMessage);
    BodyHandler bodyHandler = BodyHandler.create(false).setBodyLimit(config.bodyLimit());
    for (RouteSpec route : AuthApi.ROUTES) {
      mount(router, edge, AuthApi.NAME, route, bodyHandler, requestIdPrefix)
          .handler(new LocalOperation(() -> {
            AuthApi api = authApi();
            return api == null ? null : api.operation(route.operation());
          }, route.successStatus()));
    }
    openApiDocuments.forEach((name, document) -> edge.get(router, "/api/" + name + "/v1/openapi.json").handler(ctx -> {
      ApiEntry.requestId(ctx, requestIdPrefix);
      json(ctx, 200, document);
    }));
    for (VerticleModule module : modules) {
      for (RouteSpec route : module.routes()) {
        mount(router, edge, module.name(), route, bodyHandler, requestIdPrefix)
            .handler(new ApiForwarder(vertx.eventBus(), module.name(), route, config.requestTimeout().toMillis()));
      }
    }
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.httpHost())
        // -1: one random port shared by all instances (0 would give each instance its own)
        .setPort(config.httpPort() == 0 ? -1 : config.httpPort())
        .setIdleTimeout(120)
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setMaxInitialLineLength(8192)
        .setCompressionSupported(false)
        // HTTP/1.1 only: without h2c detection the connection is set up (and its header deadline
        // started) on accept, not on its first bytes, so a client that connects and sends nothing is cut off too
        .setHttp2ClearTextEnabled(false);
    if (config.httpTls() != null) {
      options.setSsl(true)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(config.httpTls().cert().toString())
              .setKeyPath(config.httpTls().key().toString()))
          .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"));
    }
    server = vertx.createHttpServer(options)
        .invalidRequestHandler(edge::invalidRequest)
        .connectionHandler(edge::connected)
        .requestHandler(request -> {
          edge.requestStarted(request);
          router.handle(request);
        });
    return server.listen();
  }

  /** {@code /api/<owner>/v1<path>}: body (when the method has one), then the call's id and caller. */
  private io.vertx.ext.web.Route mount(Router router, HttpEdge edge, String owner, RouteSpec route, BodyHandler bodyHandler,
                                       String requestIdPrefix) {
    String path = "/api/" + owner + "/v1" + (route.path().equals("/") ? "" : route.path());
    var mounted = router.route(path);
    edge.mounted(path, route.method()).forEach(mounted::method);
    if (carriesBody(route.method())) {
      mounted.handler(bodyHandler);
    }
    return mounted.handler(new ApiEntry(route.anonymous(), route.binary(), this::authApi, requestIdPrefix));
  }

  /** This instance's auth API, made on first use: access control exists once the node schema is migrated. */
  private AuthApi authApi() {
    if (authApi == null) {
      AccessControl control = state.accessControl();
      authApi = control == null ? null : control.api(vertx);
    }
    return authApi;
  }

  /** GET, HEAD and DELETE skip body buffering: the hot read path needs none. */
  private static boolean carriesBody(HttpMethod method) {
    return method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH;
  }

  /** Stops accepting and waits for in-flight requests, up to the shutdown bound. */
  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.shutdown(config.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** A KLF message: checked and answered by the node's {@link KlfService}, the same as over the bus. */
  private void klfMessage(RoutingContext ctx) {
    KlfService klf = state.klf();
    if (klf == null) {
      HttpErrors.send(ctx, Errors.STARTING, "the node is still starting");
      return;
    }
    if (!ApiEntry.isJson(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE))) {
      HttpErrors.send(ctx, Errors.UNSUPPORTED_MEDIA_TYPE, "send the message as application/json");
      return;
    }
    klf.receive(ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer())
        .onComplete(reply -> json(ctx, reply.status(), reply.body().toBuffer()), ctx::fail);
  }

  private void ready(RoutingContext ctx) {
    state.readiness(vertx).onComplete(
        doc -> json(ctx, doc.getBoolean("ready") ? 200 : 503, doc.toBuffer()),
        ctx::fail);
  }

  private void health(RoutingContext ctx) {
    if (state.health() == null) {
      HttpErrors.send(ctx, Errors.STARTING, "the node is still starting");
      return;
    }
    state.health().document(vertx).onComplete(document -> json(ctx, 200, document.toBuffer()), ctx::fail);
  }

  private static void document(RoutingContext ctx, Buffer document) {
    if (document == null) {
      HttpErrors.send(ctx, Errors.STARTING, "the node is still starting");
    } else {
      json(ctx, 200, document);
    }
  }

  private static void json(RoutingContext ctx, int status, Buffer body) {
    var response = ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (status == 503) {
      response.putHeader(HttpHeaders.RETRY_AFTER, HttpErrors.RETRY_AFTER_SECONDS);
    }
    response.end(body);
  }
}
