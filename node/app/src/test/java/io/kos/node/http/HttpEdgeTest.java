package io.kos.node.http;

import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP edge with raw sockets, where a client library would not send what a hostile one does:
 * errors the decoder raises get JSON bodies, a broken body is a 400 without an ERROR in the log,
 * slow headers and bodies are cut off, HEAD answers like GET, a 405 names the allowed methods, and
 * a client's request id is echoed only when it is safe to log.
 */
class HttpEdgeTest {

  private static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "probe", "http.header_timeout", "1s", "http.body_timeout", "2s"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private record Answer(int status, String head, String body, long millis, boolean closed) {

    JsonObject json() {
      return new JsonObject(body);
    }

    String header(String name) {
      return head.lines().filter(line -> line.toLowerCase().startsWith(name.toLowerCase() + ":"))
          .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst().orElse(null);
    }
  }

  /** Writes the bytes (in pieces, {@code pauseMillis} apart) and reads until the server closes or 8 s pass. */
  private static Answer exchange(long pauseMillis, String... pieces) throws IOException, InterruptedException {
    long begin = System.nanoTime();
    try (Socket socket = new Socket("127.0.0.1", node.port())) {
      socket.setSoTimeout(8000);
      OutputStream out = socket.getOutputStream();
      for (String piece : pieces) {
        try {
          out.write(piece.getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        } catch (IOException closedWhileSending) {
          break;
        }
        Thread.sleep(pauseMillis);
      }
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream read = new ByteArrayOutputStream();
      boolean closed = false;
      try {
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) >= 0) {
          read.write(buffer, 0, n);
        }
        closed = true;
      } catch (SocketTimeoutException stillOpen) {
        // the server kept the connection
      } catch (IOException reset) {
        closed = true;
      }
      String text = read.toString(StandardCharsets.ISO_8859_1);
      long millis = (System.nanoTime() - begin) / 1_000_000;
      if (text.isEmpty()) {
        return new Answer(0, "", "", millis, closed);
      }
      int split = text.indexOf("\r\n\r\n");
      String head = split < 0 ? text : text.substring(0, split);
      String body = split < 0 ? "" : text.substring(split + 4);
      return new Answer(Integer.parseInt(head.substring(9, 12)), head, body, millis, closed);
    }
  }

  private static Answer send(String request) throws IOException, InterruptedException {
    return exchange(0, request);
  }

  private static void jsonError(Answer answer, int status, String code) {
    assertThat(answer.status()).as(answer.head() + "\n" + answer.body()).isEqualTo(status);
    assertThat(answer.header("content-type")).isEqualTo("application/json");
    assertThat(answer.json().getString("error")).isEqualTo(code);
    assertThat(answer.json().getString("message")).isNotBlank();
  }

  @Test
  void errorsBelowTheRouterHaveJsonBodies() throws Exception {
    jsonError(send("GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414, "uri_too_long");
    jsonError(send("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n"), 431, "headers_too_large");
    jsonError(send("GARBAGE\r\n\r\n"), 400, "bad_request");
    jsonError(send("GET /health/live HTTP/1.1\r\nHost x\r\n\r\n"), 400, "bad_request");
    jsonError(send("POST /api/probe/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"), 400, "bad_request");
    jsonError(send("GET /health/live HTTP/3.7\r\nHost: x\r\n\r\n"), 501, "http_version_not_supported");
  }

  @Test
  void aBadChunkIsA400AndNoErrorInTheLog() throws Exception {
    Path log = logFile();
    long errorsBefore = errors(log);
    for (int i = 0; i < 3; i++) {
      Answer answer = send("POST /api/probe/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "ZZ\r\n{}\r\n0\r\n\r\n");
      jsonError(answer, 400, "bad_request");
      assertThat(answer.closed()).isTrue();
    }
    // a client that hangs up mid-body is no error of ours either
    exchange(0, "POST /api/probe/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"a\":");
    Thread.sleep(300);
    assertThat(errors(log)).as("ERROR lines in " + log).isEqualTo(errorsBefore);
    assertThat(node.http().get("/health/live").status()).isEqualTo(200);
  }

  @Test
  void slowHeadersAndSlowBodiesAreCutOff() throws Exception {
    Answer idle = exchange(0);
    assertThat(idle.closed()).as("a connection that sends nothing").isTrue();
    assertThat(idle.millis()).isBetween(900L, 4000L);

    String[] dribble = new String[8];
    dribble[0] = "GET /health/live HTTP/1.1\r\nHost: x\r\n";
    for (int i = 1; i < dribble.length; i++) {
      dribble[i] = "X-Slow-" + i + ": 1\r\n";
    }
    Answer slowHeaders = exchange(500, dribble);
    assertThat(slowHeaders.closed()).isTrue();
    assertThat(slowHeaders.status()).as("no request began, so nothing is answered").isZero();
    assertThat(slowHeaders.millis()).isLessThan(6000L);

    String[] slowBody = new String[8];
    slowBody[0] = "POST /api/probe/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
    for (int i = 1; i < slowBody.length; i++) {
      slowBody[i] = " ";
    }
    Answer cut = exchange(500, slowBody);
    jsonError(cut, 408, "request_timeout");
    assertThat(cut.closed()).isTrue();
    assertThat(cut.millis()).isLessThan(6000L);

    // a normal client on a kept-alive connection is not hurried
    Answer kept = send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(kept.status()).isEqualTo(200);
    assertThat(kept.closed()).as("closed once idle past http.header_timeout").isTrue();
  }

  @Test
  void headIsGetWithoutABodyAnd405SaysWhatIsAllowed() throws Exception {
    Answer head = send("HEAD /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(send("HEAD /api/probe/v1/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status()).isEqualTo(200);
    assertThat(send("HEAD /api/auth/v1/openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status()).isEqualTo(200);

    Answer notAllowed = send("DELETE /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    jsonError(notAllowed, 405, "method_not_allowed");
    assertThat(notAllowed.header("allow")).isEqualTo("GET, HEAD");
    Answer notes = send("PATCH /api/probe/v1/notes/7 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    jsonError(notes, 405, "method_not_allowed");
    assertThat(notes.header("allow")).isEqualTo("DELETE, GET, HEAD, PUT");
    assertThat(send("GET /klf/v1/message HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").header("allow")).isEqualTo("POST");
  }

  @Test
  void aClientRequestIdIsEchoedOnlyWhenSafeToLog() throws Exception {
    assertThat(send("GET /api/probe/v1/ping HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-123.x_Y:9\r\nConnection: close\r\n\r\n")
        .header("x-request-id")).isEqualTo("abc-123.x_Y:9");
    // a control character is not even a valid header: the decoder refuses the request
    jsonError(send("GET /api/probe/v1/ping HTTP/1.1\r\nHost: x\r\nX-Request-Id: evil\u001b[31m\r\nConnection: close\r\n\r\n"), 400, "bad_request");
    for (String unsafe : new String[] {"a b", "x".repeat(65), "{\"json\":1}", "new%0aline", "ünïcode"}) {
      String echoed = send("GET /api/probe/v1/ping HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + unsafe + "\r\nConnection: close\r\n\r\n")
          .header("x-request-id");
      assertThat(echoed).as(unsafe).isNotEqualTo(unsafe).matches("[0-9a-f]+-[0-9a-f]+");
    }
  }

  private static Path logFile() throws IOException {
    Path log = Path.of(System.getProperty("user.dir"), "target", "surefire-reports", HttpEdgeTest.class.getName() + "-output.txt");
    return Files.exists(log) ? log : Files.createTempFile("none", ".log");
  }

  private static long errors(Path log) throws IOException {
    return Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream().filter(line -> line.contains(" ERROR ")).count();
  }
}
