package io.kos.node.http;

import io.kos.verticle.ErrorCode;
import io.kos.verticle.Errors;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.impl.ConnectionBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Sits in each HTTP connection's Netty pipeline just before Vert.x's handler, for the two cases
 * Vert.x answers below any hook it offers: a request line with an HTTP version it does not speak
 * (Vert.x: an empty 501) and a body the decoder cannot read, such as a bad chunk size (Vert.x:
 * the connection dropped without an answer and an ERROR with a stack trace, per request, before
 * any credential). Both get the JSON error body, {@code Connection: close}, and one DEBUG line per
 * hundred. Uses Vert.x's internal {@link ConnectionBase#channelHandlerContext()}; a Vert.x upgrade
 * that changes it fails {@code HttpEdgeTest}.
 */
final class DecoderGuard extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(DecoderGuard.class);
  private static final String NAME = "kos-decoder-guard";
  private static final AtomicLong REFUSED = new AtomicLong();

  /** Installs the guard on a new connection (HTTP/1.x over the Vert.x pipeline; anything else is left alone). */
  static void install(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      ChannelHandlerContext vertx = base.channelHandlerContext();
      if (vertx.pipeline().get(NAME) == null) {
        vertx.pipeline().addBefore(vertx.name(), NAME, new DecoderGuard());
      }
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) {
    if (message instanceof HttpRequest request && request.decoderResult().isSuccess()
        && request.protocolVersion() != HttpVersion.HTTP_1_1 && request.protocolVersion() != HttpVersion.HTTP_1_0) {
      refuse(ctx, message, Errors.HTTP_VERSION_NOT_SUPPORTED, "this node speaks HTTP/1.0 and HTTP/1.1, not " + request.protocolVersion());
      return;
    }
    // a request whose line or headers failed is Vert.x's (invalidRequestHandler); only a body's failure is ours
    if (!(message instanceof HttpRequest) && message instanceof HttpContent content && content.decoderResult().isFailure()) {
      refuse(ctx, message, Errors.BAD_REQUEST, "the request body is malformed (" + content.decoderResult().cause().getMessage() + ")");
      return;
    }
    ctx.fireChannelRead(message);
  }

  private static void refuse(ChannelHandlerContext ctx, Object message, ErrorCode code, String text) {
    ReferenceCountUtil.release(message);
    if (REFUSED.incrementAndGet() % 100 == 1) {
      LOG.debug("refused a request from {}: {} ({} so far)", ctx.channel().remoteAddress(), text, REFUSED.get());
    }
    byte[] body = new JsonObject().put("error", code.code()).put("message", text).toBuffer().getBytes();
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code.status()),
        Unpooled.wrappedBuffer(body));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json").setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    // stop reading: what follows on this connection cannot be framed
    ctx.channel().config().setAutoRead(false);
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }
}
