package io.kos.actions;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local stand-in for the Telegram Bot API's {@code sendMessage}, keeping its contract: the token
 * in the path, {@code {ok, result}} or {@code {ok: false, error_code, description, parameters}},
 * 400 "can't parse entities" for text that is not valid MarkdownV2 or HTML, and 429 with
 * {@code parameters.retry_after} while {@link #tooManyRequests} counts down.
 */
final class TelegramFake implements AutoCloseable {

  static final String TOKEN = "123456:test-token";
  private static final String RESERVED = "_*[]()~`>#+-=|{}.!";
  private static final Pattern HTML_TAG = Pattern.compile("<(/?)(b|strong|i|em|u|ins|s|strike|del|code|pre|tg-spoiler)>|<a href=\"[^\"<>]*\">|</a>");

  /** Messages taken, each with {@code visible}: the text as the user sees it (markup removed). */
  final List<JsonObject> messages = new CopyOnWriteArrayList<>();
  /** Every call, taken or not, with the time it arrived. */
  final List<Long> callNanos = new CopyOnWriteArrayList<>();
  final AtomicInteger tooManyRequests = new AtomicInteger();
  volatile int retryAfterSeconds = 1;
  private final AtomicInteger nextId = new AtomicInteger();
  private final Vertx vertx;
  private final HttpServer server;

  private TelegramFake(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  static TelegramFake start() {
    Vertx vertx = Vertx.vertx();
    TelegramFake[] self = new TelegramFake[1];
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      TelegramFake fake = self[0];
      fake.callNanos.add(System.nanoTime());
      JsonObject answer;
      int status;
      if (!req.path().equals("/bot" + TOKEN + "/sendMessage")) {
        status = 404;
        answer = error(404, "Not Found");
      } else if (fake.tooManyRequests.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        status = 429;
        answer = error(429, "Too Many Requests: retry after " + fake.retryAfterSeconds)
            .put("parameters", new JsonObject().put("retry_after", fake.retryAfterSeconds));
      } else {
        JsonObject message = body.toJsonObject();
        String problem = message.getValue("chat_id") == null ? "chat_id is empty" : null;
        String visible = null;
        if (problem == null) {
          String text = message.getString("text", "");
          String mode = message.getString("parse_mode");
          try {
            visible = "MarkdownV2".equals(mode) ? markdownV2(text) : "HTML".equals(mode) ? html(text) : text;
          } catch (IllegalArgumentException e) {
            problem = "can't parse entities: " + e.getMessage();
          }
        }
        if (problem != null) {
          status = 400;
          answer = error(400, "Bad Request: " + problem);
        } else {
          int id = fake.nextId.incrementAndGet();
          fake.messages.add(message.copy().put("visible", visible).put("message_id", id));
          status = 200;
          answer = new JsonObject().put("ok", true).put("result", new JsonObject().put("message_id", id));
        }
      }
      req.response().setStatusCode(status).putHeader("content-type", "application/json").end(answer.encode());
    }));
    server.listen(0, "127.0.0.1").await();
    self[0] = new TelegramFake(vertx, server);
    return self[0];
  }

  String apiUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  private static JsonObject error(int code, String description) {
    return new JsonObject().put("ok", false).put("error_code", code).put("description", description);
  }

  /** Telegram's MarkdownV2 rules: a reserved character outside an entity marker must be escaped; entities must close. */
  static String markdownV2(String text) {
    StringBuilder visible = new StringBuilder();
    Deque<String> open = new ArrayDeque<>();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        if (i + 1 >= text.length()) {
          throw new IllegalArgumentException("a trailing backslash");
        }
        visible.append(text.charAt(++i));
        continue;
      }
      if (RESERVED.indexOf(c) < 0) {
        visible.append(c);
        continue;
      }
      String marker = (c == '_' || c == '|') && i + 1 < text.length() && text.charAt(i + 1) == c ? "" + c + c : String.valueOf(c);
      if (c == '*' || c == '_' || c == '~' || c == '`' || marker.equals("||")) {
        if (marker.equals(open.peek())) {
          open.pop();
        } else {
          open.push(marker);
        }
        i += marker.length() - 1;
        continue;
      }
      if (c == '>' && (i == 0 || text.charAt(i - 1) == '\n')) {
        continue;
      }
      throw new IllegalArgumentException("Character '" + c + "' is reserved and must be escaped with the preceding '\\'");
    }
    if (!open.isEmpty()) {
      throw new IllegalArgumentException("Can't find end of the entity starting with " + open.peek());
    }
    return visible.toString();
  }

  /** Telegram's HTML: only its tags, balanced; '&' only in an entity; '<' and '>' only in tags. */
  static String html(String text) {
    StringBuilder visible = new StringBuilder();
    Deque<String> open = new ArrayDeque<>();
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '<') {
        Matcher tag = HTML_TAG.matcher(text).region(i, text.length());
        if (!tag.lookingAt()) {
          throw new IllegalArgumentException("Unsupported start tag at byte offset " + i);
        }
        String name = tag.group(2) == null ? "a" : tag.group(2);
        boolean closing = tag.group(0).startsWith("</");
        if (closing) {
          if (!name.equals(open.peek())) {
            throw new IllegalArgumentException("Unmatched end tag " + name);
          }
          open.pop();
        } else {
          open.push(name);
        }
        i = tag.end();
      } else if (c == '&') {
        int semi = text.indexOf(';', i);
        String entity = semi < 0 ? "" : text.substring(i, semi + 1);
        switch (entity) {
          case "&lt;" -> visible.append('<');
          case "&gt;" -> visible.append('>');
          case "&amp;" -> visible.append('&');
          case "&quot;" -> visible.append('"');
          default -> throw new IllegalArgumentException("Unsupported entity at byte offset " + i);
        }
        i = semi + 1;
      } else if (c == '>') {
        throw new IllegalArgumentException("Unexpected '>' at byte offset " + i);
      } else {
        visible.append(c);
        i++;
      }
    }
    if (!open.isEmpty()) {
      throw new IllegalArgumentException("Can't find end tag corresponding to start tag " + open.peek());
    }
    return visible.toString();
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
