package io.kos.node.testkit;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Users for tests: the first admin from the node's setup token, then editors and viewers. */
public final class Accounts {

  /** A password that passes the policy; every test user has it. */
  public static final String PASSWORD = "correct horse battery staple";

  /** A logged-in user: its id, tokens, and a client that sends its access token. */
  public record Session(String userId, String accessToken, String refreshToken, JsonObject user, Http http) {
  }

  private Accounts() {
  }

  /** Registers {@code admin} with the setup token the node wrote to its data dir, and logs in. */
  public static Session bootstrapAdmin(Http http, Path dataDir) {
    String setupToken;
    try {
      setupToken = Files.readString(dataDir.resolve("setup-token")).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("no setup token in " + dataDir + " (does the node have users already?)", e);
    }
    Http.Response registered = http.postJson("/api/auth/v1/register", registration("admin").put("setup_token", setupToken));
    expect(registered, 201);
    return login(http, "admin");
  }

  /** Registers {@code username} (as {@code registrar} lets: anonymously or as an admin) and logs in. */
  public static Session register(Http registrar, Http anonymous, String username, String role) {
    JsonObject body = registration(username);
    if (role != null) {
      body.put("role", role);
    }
    expect(registrar.postJson("/api/auth/v1/register", body), 201);
    return login(anonymous, username);
  }

  /** A new API key of this user (what a producer or a script authenticates with). */
  public static String apiKey(Session owner, String name) {
    Http.Response created = owner.http().postJson("/api/auth/v1/api-keys", new JsonObject().put("name", name));
    expect(created, 201);
    return created.json().getString("key");
  }

  public static JsonObject registration(String username) {
    return new JsonObject().put("username", username).put("email", username + "@example.test").put("password", PASSWORD);
  }

  public static Session login(Http http, String username) {
    Http.Response response = http.postJson("/api/auth/v1/login", new JsonObject().put("username", username).put("password", PASSWORD));
    expect(response, 200);
    JsonObject body = response.json();
    String token = body.getString("access_token");
    return new Session(body.getJsonObject("user").getString("id"), token, body.getString("refresh_token"),
        body.getJsonObject("user"), http.withBearer(token));
  }

  private static void expect(Http.Response response, int status) {
    if (response.status() != status) {
      throw new AssertionError("expected " + status + ", got " + response);
    }
  }
}
