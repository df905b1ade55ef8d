package io.kos.node.auth;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.ApiContract;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.kos.node.testkit.Accounts.PASSWORD;

/** The accounts API's published OpenAPI document holds its routes and its real answers, successes and errors. */
class AuthContractTest {

  private static final String BASE = "/api/auth/v1";
  private static TestNode node;
  private static ApiContract contract;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "", "auth.open_registration", "true"));
    contract = ApiContract.served(node, AuthApi.NAME);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void everyRouteIsOneOperationAndNothingElse() {
    contract.coversExactly(AuthApi.ROUTES);
    contract.listsErrorCodes(AuthErrors.ALL);
  }

  @Test
  void answersMatchTheDocument() {
    Http anonymous = node.http();
    Accounts.Session admin = node.admin();
    contract.conforms("register", anonymous.postJson(BASE + "/register", Accounts.registration("contract-user")), 201);
    contract.conforms("register", anonymous.postJson(BASE + "/register", Accounts.registration("contract-user")), 409);
    contract.conforms("register", anonymous.postJson(BASE + "/register", Accounts.registration("x")), 422);
    Http.Response login = anonymous.postJson(BASE + "/login", new JsonObject().put("username", "contract-user").put("password", PASSWORD));
    contract.conforms("login", login, 200);
    contract.conforms("login", anonymous.postJson(BASE + "/login", new JsonObject().put("username", "contract-user").put("password", "wrong-password")),
        401);
    Http.Response refreshed = anonymous.postJson(BASE + "/refresh", new JsonObject().put("refresh_token", login.json().getString("refresh_token")));
    contract.conforms("refresh", refreshed, 200);
    Http user = anonymous.withBearer(refreshed.json().getString("access_token"));
    contract.conforms("me", user.get(BASE + "/me"), 200);
    contract.conforms("me", anonymous.get(BASE + "/me"), 401);
    Http.Response key = user.postJson(BASE + "/api-keys", new JsonObject().put("name", "contract"));
    contract.conforms("api_keys.create", key, 201);
    contract.conforms("api_keys.list", user.get(BASE + "/api-keys"), 200);
    contract.conforms("api_keys.revoke", user.delete(BASE + "/api-keys/" + key.json().getString("id")), 204);
    contract.conforms("api_keys.revoke", user.delete(BASE + "/api-keys/" + key.json().getString("id")), 404);
    contract.conforms("users.list", admin.http().get(BASE + "/users?limit=1"), 200);
    contract.conforms("users.list", user.get(BASE + "/users"), 403);
    String userId = refreshed.json().getJsonObject("user").getString("id");
    contract.conforms("users.get", admin.http().get(BASE + "/users/" + userId), 200);
    contract.conforms("users.update", admin.http().patchJson(BASE + "/users/" + userId, new JsonObject().put("role", "viewer")), 200);
    contract.conforms("users.update", admin.http().patchJson(BASE + "/users/" + admin.userId(), new JsonObject().put("is_active", false)), 409);
    String peer = io.kos.node.testkit.KlfPeer.create("ronin").did();
    Http.Response added = admin.http().postJson(BASE + "/peers", new JsonObject().put("did", peer).put("role", "viewer").put("name", "p"));
    contract.conforms("peers.put", added, 200);
    contract.conforms("peers.put", admin.http().postJson(BASE + "/peers", new JsonObject().put("did", "x").put("role", "viewer")), 422);
    contract.conforms("peers.put", user.postJson(BASE + "/peers", new JsonObject().put("did", peer).put("role", "viewer")), 403);
    contract.conforms("peers.list", admin.http().get(BASE + "/peers"), 200);
    contract.conforms("peers.list", user.get(BASE + "/peers"), 403);
    contract.conforms("peers.delete", admin.http().delete(BASE + "/peers/" + peer), 204);
    contract.conforms("peers.delete", admin.http().delete(BASE + "/peers/" + peer), 404);
    contract.conforms("logout", anonymous.postJson(BASE + "/logout", new JsonObject().put("refresh_token", refreshed.json().getString("refresh_token"))),
        204);
  }
}
