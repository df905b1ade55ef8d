package io.kos.node.auth;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.kos.node.testkit.Accounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

/** Accounts, sessions, tokens and API keys through the node's HTTP API, against real PostgreSQL. */
class AuthTest {

  private static TestNode node;
  private static Http anonymous;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "probe", "auth.open_registration", "true"));
    anonymous = node.http();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void theFirstUserNeedsTheSetupTokenAndBecomesAdmin() throws Exception {
    try (TestNode fresh = TestNode.start(Map.of("verticles.deploy", "", "auth.open_registration", "true"))) {
      Path file = fresh.node().config().dataDir().resolve("setup-token");
      assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
      String token = Files.readString(file).trim();
      assertThat(fresh.node().banner()).contains(token);
      Http http = fresh.http();

      assertError(http.postJson("/api/auth/v1/register", Accounts.registration("first")), 403, "setup_token_required");
      assertError(http.postJson("/api/auth/v1/register", Accounts.registration("first").put("setup_token", token + "x")),
          403, "setup_token_required");
      assertThat(countUsers(fresh)).isZero();

      Http.Response admin = http.postJson("/api/auth/v1/register", Accounts.registration("first").put("setup_token", token));
      assertThat(admin.status()).isEqualTo(201);
      assertThat(admin.json().getString("role")).isEqualTo("admin");
      assertThat(admin.json().containsKey("password_hash")).isFalse();
      assertThat(file).doesNotExist();
      assertThat(fresh.node().banner()).doesNotContain(token);

      // spent: the token does not make a second admin
      Http.Response second = http.postJson("/api/auth/v1/register", Accounts.registration("second").put("setup_token", token));
      assertThat(second.status()).isEqualTo(201);
      assertThat(second.json().getString("role")).isEqualTo("editor");
    }
  }

  @Test
  void racingFirstRegistrationsMakeExactlyOneAdmin() throws Exception {
    try (TestNode fresh = TestNode.start(Map.of("verticles.deploy", "", "auth.open_registration", "false"))) {
      String token = Files.readString(fresh.node().config().dataDir().resolve("setup-token")).trim();
      List<CompletableFuture<Http.Response>> racers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        JsonObject body = Accounts.registration("racer" + i).put("setup_token", token);
        racers.add(CompletableFuture.supplyAsync(() -> fresh.http().postJson("/api/auth/v1/register", body)));
      }
      List<Integer> statuses = racers.stream().map(CompletableFuture::join).map(Http.Response::status).sorted().toList();
      // one admin; registration is closed, so the others are refused once the first exists
      assertThat(statuses).containsExactly(201, 403, 403, 403);
      assertThat(countUsers(fresh)).isEqualTo(1);
    }
  }

  @Test
  void openRegistrationMakesEditorsAndStoresOnlyAnArgon2idHash() throws Exception {
    node.admin();
    Http.Response response = anonymous.postJson("/api/auth/v1/register",
        Accounts.registration("Tāne_Mahuta").put("full_name", "Tāne Mahuta 🌳 O'Brien; DROP TABLE users; --"));
    assertThat(response.status()).isEqualTo(201);
    JsonObject user = response.json();
    assertThat(user.getString("role")).isEqualTo("editor");
    assertThat(user.getString("username")).isEqualTo("Tāne_Mahuta");
    assertThat(user.getString("full_name")).isEqualTo("Tāne Mahuta 🌳 O'Brien; DROP TABLE users; --");
    assertThat(user.getBoolean("is_active")).isTrue();
    assertThat(user.getBoolean("is_verified")).isFalse();
    try (Connection c = node.jdbc(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT password_hash FROM node.users WHERE username = 'Tāne_Mahuta'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).startsWith("$argon2id$v=19$m=19456,t=2,p=1$").doesNotContain(PASSWORD);
    }
    Accounts.Session session = Accounts.login(anonymous, "Tāne_Mahuta");
    assertThat(session.http().get("/api/auth/v1/me").json().getString("full_name")).startsWith("Tāne Mahuta 🌳");
  }

  @Test
  void closedRegistrationAdmitsOnlyAnAdminsRegistrations() {
    try (TestNode closed = TestNode.start(Map.of("verticles.deploy", "", "auth.open_registration", "false"))) {
      Accounts.Session admin = closed.admin();
      assertError(closed.http().postJson("/api/auth/v1/register", Accounts.registration("walkin")), 403, "registration_closed");
      Http.Response viewer = admin.http().postJson("/api/auth/v1/register", Accounts.registration("invited").put("role", "viewer"));
      assertThat(viewer.status()).isEqualTo(201);
      assertThat(viewer.json().getString("role")).isEqualTo("viewer");
      // only an admin chooses a role
      Accounts.Session editor = closed.user("editor1", "editor");
      assertError(editor.http().postJson("/api/auth/v1/register", Accounts.registration("sneaky").put("role", "admin")), 403, "admin_only");
    }
  }

  @Test
  void loginByUsernameOrEmailInAnyCaseAndRejectsWrongPasswords() {
    register("carol");
    Http.Response byName = login(new JsonObject().put("username", "CAROL").put("password", PASSWORD));
    assertThat(byName.status()).isEqualTo(200);
    JsonObject body = byName.json();
    assertThat(body.getString("token_type")).isEqualTo("Bearer");
    assertThat(body.getLong("expires_in")).isEqualTo(900);
    assertThat(body.getString("refresh_token")).startsWith("kosr_");
    assertThat(body.getJsonObject("user").getString("last_login_at")).isNotNull();
    assertThat(login(new JsonObject().put("email", "Carol@Example.test").put("password", PASSWORD)).status()).isEqualTo(200);

    Http.Response wrong = login(new JsonObject().put("username", "carol").put("password", PASSWORD + "!"));
    Http.Response nobody = login(new JsonObject().put("username", "nobody-here").put("password", PASSWORD));
    assertError(wrong, 401, "invalid_credentials");
    // an unknown account gets the very same answer: logins do not reveal who has an account
    assertThat(nobody.status()).isEqualTo(401);
    assertThat(nobody.json()).isEqualTo(wrong.json());
    assertError(login(new JsonObject().put("username", "carol").put("email", "carol@example.test").put("password", PASSWORD)),
        422, "invalid_field");
  }

  @Test
  void passwordPolicyAndDuplicatesAreRefusedAndNothingIsStored() throws Exception {
    long before = countUsers(node);
    assertField(anonymous.postJson("/api/auth/v1/register", Accounts.registration("dave").put("password", "short")), "password");
    assertField(anonymous.postJson("/api/auth/v1/register", Accounts.registration("davedavedave").put("password", "DaveDaveDave")), "password");
    assertField(anonymous.postJson("/api/auth/v1/register", Accounts.registration("dave").put("password", "dave@example.test")), "password");
    assertField(anonymous.postJson("/api/auth/v1/register", Accounts.registration("dave").put("password", "x".repeat(1025))), "password");
    assertThat(countUsers(node)).isEqualTo(before);

    register("erin");
    assertError(anonymous.postJson("/api/auth/v1/register", Accounts.registration("ERIN").put("email", "other@example.test")),
        409, "username_taken");
    assertError(anonymous.postJson("/api/auth/v1/register", Accounts.registration("erin2").put("email", "ERIN@example.test")),
        409, "email_taken");
    assertThat(countUsers(node)).isEqualTo(before + 1);
  }

  @Test
  void malformedAndHostileBodiesGet4xxJsonAndStoreNothing() throws Exception {
    node.admin();
    long before = countUsers(node);
    assertError(anonymous.post("/api/auth/v1/register", "application/json", "{\"username\": "), 400, "malformed_json");
    assertError(anonymous.post("/api/auth/v1/register", "application/json", "[1]"), 400, "invalid_body");
    assertError(anonymous.post("/api/auth/v1/register", "text/plain", "{}"), 415, "unsupported_media_type");
    assertField(anonymous.postJson("/api/auth/v1/register", new JsonObject()), "username");
    assertField(anonymous.postJson("/api/auth/v1/register", Accounts.registration("frank").put("is_admin", true)), "is_admin");
    assertField(anonymous.postJson("/api/auth/v1/register", Accounts.registration("x".repeat(65))), "username");
    assertField(anonymous.postJson("/api/auth/v1/register", Accounts.registration("frank").put("username", 42)), "username");
    assertField(anonymous.postJson("/api/auth/v1/register", Accounts.registration("frank'; DROP TABLE users; --")), "username");
    assertField(anonymous.postJson("/api/auth/v1/register", Accounts.registration("frank").put("email", "not-an-email")), "email");
    assertField(anonymous.postJson("/api/auth/v1/register", Accounts.registration("frank").put("email", "a\u0000b@example.test")), "email");
    assertField(anonymous.postJson("/api/auth/v1/register", Accounts.registration("frank").put("full_name", "x".repeat(201))), "full_name");
    assertField(anonymous.postJson("/api/auth/v1/register", Accounts.registration("frank").put("full_name", "bell\u0007")), "full_name");
    assertField(anonymous.postJson("/api/auth/v1/register", Accounts.registration("frank").put("role", "root")), "role");
    assertField(login(new JsonObject().put("username", "frank")), "password");
    assertError(anonymous.postJson("/api/auth/v1/refresh", new JsonObject().put("refresh_token", 7)), 422, "invalid_field");
    assertThat(countUsers(node)).isEqualTo(before);
  }

  @Test
  void meNeedsAValidAccessToken() {
    Accounts.Session grace = register("grace");
    Http.Response me = grace.http().get("/api/auth/v1/me");
    assertThat(me.status()).isEqualTo(200);
    assertThat(me.json().getString("id")).isEqualTo(grace.userId());

    Http.Response missing = anonymous.get("/api/auth/v1/me");
    assertError(missing, 401, "unauthorized");
    assertThat(missing.header("WWW-Authenticate")).startsWith("Bearer");
    assertError(anonymous.withBearer("not-a-jwt").get("/api/auth/v1/me"), 401, "invalid_token");
    assertError(anonymous.with("Authorization", "Basic Z3JhY2U6cGFzcw==").get("/api/auth/v1/me"), 401, "invalid_token");
    assertError(anonymous.withBearer(grace.accessToken()).withApiKey("kosk_x").get("/api/auth/v1/me"), 400, "ambiguous_credentials");
  }

  @Test
  void tamperedTokensAndTokensSignedWithAnotherKeyAreRefused() {
    Accounts.Session heidi = register("heidi");
    String[] parts = heidi.accessToken().split("\\.");
    JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    String promoted = Base64.getUrlEncoder().withoutPadding()
        .encodeToString(claims.put("role", "admin").encode().getBytes(StandardCharsets.UTF_8));
    assertError(anonymous.withBearer(parts[0] + "." + promoted + "." + parts[2]).get("/api/auth/v1/me"), 401, "invalid_token");
    String unsigned = Base64.getUrlEncoder().withoutPadding()
        .encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".";
    assertError(anonymous.withBearer(unsigned).get("/api/auth/v1/me"), 401, "invalid_token");

    Vertx vertx = Vertx.vertx();
    try {
      JWTAuth otherKey = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256")
          .setBuffer(Buffer.buffer("another node's key, 32 bytes or more"))));
      String forged = otherKey.generateToken(new JsonObject().put("sub", heidi.userId()).put("role", "admin"),
          new JWTOptions().setIssuer("kos").setExpiresInSeconds(600));
      assertError(anonymous.withBearer(forged).get("/api/auth/v1/me"), 401, "invalid_token");
    } finally {
      vertx.close();
    }
  }

  @Test
  void expiredTokensAreRefusedAndRefreshGivesANewAccessToken() {
    try (TestNode shortLived = TestNode.start(Map.of("verticles.deploy", "", "auth.access_token_ttl", "3s",
        "auth.refresh_token_ttl", "8s"))) {
      // a token's exp is whole seconds, so a 3 s token may live only 2 s: long enough for the first call,
      // and the sleeps allow the full 3 s plus the rounding
      Accounts.Session admin = shortLived.admin();
      assertThat(admin.http().get("/api/auth/v1/me").status()).isEqualTo(200);
      NodeProcess.sleep(4100);
      assertError(admin.http().get("/api/auth/v1/me"), 401, "token_expired");
      Http.Response refreshed = shortLived.http().postJson("/api/auth/v1/refresh", new JsonObject().put("refresh_token", admin.refreshToken()));
      assertThat(refreshed.status()).isEqualTo(200);
      assertThat(shortLived.http().withBearer(refreshed.json().getString("access_token")).get("/api/auth/v1/me").status()).isEqualTo(200);
      NodeProcess.sleep(8100);
      assertError(shortLived.http().postJson("/api/auth/v1/refresh", new JsonObject().put("refresh_token",
          refreshed.json().getString("refresh_token"))), 401, "refresh_token_expired");
    }
  }

  @Test
  void twoRacingRefreshesWithOneTokenLeaveOneWinnerAndThenRevokeTheFamily() {
    Accounts.Session pat = register("pat");
    List<CompletableFuture<Http.Response>> racers = List.of(
        CompletableFuture.supplyAsync(() -> refresh(pat.refreshToken())),
        CompletableFuture.supplyAsync(() -> refresh(pat.refreshToken())));
    List<Http.Response> answers = racers.stream().map(CompletableFuture::join).toList();
    // the row lock orders them: the first rotates, the second is a reuse
    assertThat(answers.stream().map(Http.Response::status).sorted().toList()).containsExactly(200, 401);
    Http.Response winner = answers.stream().filter(r -> r.status() == 200).findFirst().orElseThrow();
    assertError(answers.stream().filter(r -> r.status() == 401).findFirst().orElseThrow(), 401, "refresh_token_reused");
    assertError(refresh(winner.json().getString("refresh_token")), 401, "invalid_refresh_token");
  }

  @Test
  void refreshRotatesAndReusingARotatedTokenRevokesTheWholeFamily() {
    Accounts.Session ivan = register("ivan");
    Http.Response first = refresh(ivan.refreshToken());
    assertThat(first.status()).isEqualTo(200);
    // a refresh continues the session; it is not a login
    assertThat(first.json().getJsonObject("user").getString("last_login_at")).isEqualTo(ivan.user().getString("last_login_at"));
    String next = first.json().getString("refresh_token");
    assertThat(next).isNotEqualTo(ivan.refreshToken());
    assertThat(anonymous.withBearer(first.json().getString("access_token")).get("/api/auth/v1/me").json().getString("username"))
        .isEqualTo("ivan");

    // a thief replays the old token: the family dies, including the legitimate newer token
    assertError(refresh(ivan.refreshToken()), 401, "refresh_token_reused");
    assertError(refresh(next), 401, "invalid_refresh_token");
    // another session of the same user is not affected
    Accounts.Session other = Accounts.login(anonymous, "ivan");
    assertThat(refresh(other.refreshToken()).status()).isEqualTo(200);
    assertError(refresh("kosr_made-up"), 401, "invalid_refresh_token");
  }

  @Test
  void logoutRevokesTheSession() {
    Accounts.Session judy = register("judy");
    Http.Response out = anonymous.postJson("/api/auth/v1/logout", new JsonObject().put("refresh_token", judy.refreshToken()));
    assertThat(out.status()).isEqualTo(204);
    assertError(refresh(judy.refreshToken()), 401, "invalid_refresh_token");
    assertThat(anonymous.postJson("/api/auth/v1/logout", new JsonObject().put("refresh_token", "kosr_unknown")).status()).isEqualTo(204);
  }

  @Test
  void apiKeysAreShownOnceAuthenticateAndStopWhenRevoked() {
    Accounts.Session kim = register("kim");
    Http.Response created = kim.http().postJson("/api/auth/v1/api-keys", new JsonObject().put("name", "ingest pusher ✓"));
    assertThat(created.status()).isEqualTo(201);
    String key = created.json().getString("key");
    String id = created.json().getString("id");
    assertThat(key).startsWith("kosk_").startsWith(created.json().getString("prefix"));

    Http.Response whoami = anonymous.withApiKey(key).get("/api/probe/v1/whoami");
    assertThat(whoami.status()).isEqualTo(200);
    assertThat(whoami.json()).isEqualTo(new JsonObject().put("user_id", kim.userId()).put("role", "editor"));

    JsonObject listed = kim.http().get("/api/auth/v1/api-keys").json().getJsonArray("api_keys").getJsonObject(0);
    assertThat(listed.getString("id")).isEqualTo(id);
    assertThat(listed.containsKey("key")).isFalse();
    assertThat(listed.getString("last_used_at")).isNotNull();

    // someone else's key is not there for them
    Accounts.Session lee = register("lee");
    assertError(lee.http().delete("/api/auth/v1/api-keys/" + id), 404, "not_found");
    assertThat(lee.http().get("/api/auth/v1/api-keys").json().getJsonArray("api_keys")).isEmpty();
    assertThat(anonymous.withApiKey(key).get("/api/probe/v1/whoami").status()).isEqualTo(200);

    assertThat(kim.http().delete("/api/auth/v1/api-keys/" + id).status()).isEqualTo(204);
    assertError(anonymous.withApiKey(key).get("/api/probe/v1/whoami"), 401, "invalid_api_key");
    assertError(kim.http().delete("/api/auth/v1/api-keys/" + id), 404, "not_found");
    assertError(kim.http().delete("/api/auth/v1/api-keys/not-a-uuid"), 404, "not_found");
    assertField(kim.http().postJson("/api/auth/v1/api-keys", new JsonObject().put("name", "")), "name");
  }

  @Test
  void aDisabledUserCannotLogInRefreshOrUseKeys() {
    Accounts.Session admin = node.admin();
    Accounts.Session mallory = register("mallory");
    String key = mallory.http().postJson("/api/auth/v1/api-keys", new JsonObject().put("name", "k")).json().getString("key");
    assertThat(anonymous.withApiKey(key).get("/api/probe/v1/whoami").status()).isEqualTo(200); // now cached

    Http.Response disabled = admin.http().patchJson("/api/auth/v1/users/" + mallory.userId(), new JsonObject().put("is_active", false));
    assertThat(disabled.status()).isEqualTo(200);
    assertThat(disabled.json().getBoolean("is_active")).isFalse();

    assertError(login(new JsonObject().put("username", "mallory").put("password", PASSWORD)), 403, "account_disabled");
    assertError(refresh(mallory.refreshToken()), 401, "invalid_refresh_token");
    assertError(anonymous.withApiKey(key).get("/api/probe/v1/whoami"), 401, "invalid_api_key");

    admin.http().patchJson("/api/auth/v1/users/" + mallory.userId(), new JsonObject().put("is_active", true));
    assertThat(login(new JsonObject().put("username", "mallory").put("password", PASSWORD)).status()).isEqualTo(200);
    assertThat(anonymous.withApiKey(key).get("/api/probe/v1/whoami").status()).isEqualTo(200);
  }

  @Test
  void aRoleChangeReachesApiKeysAtOnce() {
    Accounts.Session quinn = register("quinn");
    String key = quinn.http().postJson("/api/auth/v1/api-keys", new JsonObject().put("name", "k")).json().getString("key");
    assertThat(anonymous.withApiKey(key).get("/api/probe/v1/whoami").json().getString("role")).isEqualTo("editor");
    node.admin().http().patchJson("/api/auth/v1/users/" + quinn.userId(), new JsonObject().put("role", "viewer"));
    assertThat(anonymous.withApiKey(key).get("/api/probe/v1/whoami").json().getString("role")).isEqualTo("viewer");
  }

  @Test
  void onlyAnAdminAdministersUsersAndTheLastAdminStays() {
    Accounts.Session admin = node.admin();
    Accounts.Session nina = register("nina");
    assertError(nina.http().get("/api/auth/v1/users"), 403, "admin_only");
    assertError(nina.http().patchJson("/api/auth/v1/users/" + nina.userId(), new JsonObject().put("role", "admin")), 403, "admin_only");

    Http.Response page = admin.http().get("/api/auth/v1/users?limit=2");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.json().getJsonArray("users")).hasSize(2);
    String after = page.json().getString("next_cursor");
    assertThat(admin.http().get("/api/auth/v1/users?limit=500&cursor=" + after).json().getJsonArray("users"))
        .noneMatch(u -> ((JsonObject) u).getString("username").equals(after));

    Http.Response viewer = admin.http().patchJson("/api/auth/v1/users/" + nina.userId(), new JsonObject().put("role", "viewer"));
    assertThat(viewer.json().getString("role")).isEqualTo("viewer");
    assertThat(admin.http().get("/api/auth/v1/users/" + nina.userId()).json().getString("role")).isEqualTo("viewer");
    assertError(admin.http().patchJson("/api/auth/v1/users/" + admin.userId(), new JsonObject().put("role", "editor")), 409, "last_admin");
    assertError(admin.http().patchJson("/api/auth/v1/users/" + admin.userId(), new JsonObject().put("is_active", false)), 409, "last_admin");
    assertField(admin.http().patchJson("/api/auth/v1/users/" + nina.userId(), new JsonObject()), "role");
    assertField(admin.http().patchJson("/api/auth/v1/users/" + nina.userId(), new JsonObject().put("is_active", "no")), "is_active");
    assertError(admin.http().get("/api/auth/v1/users/00000000-0000-0000-0000-000000000000"), 404, "not_found");
  }

  @Test
  void theCallerComesFromTheCredentialNeverFromClientHeaders() {
    Accounts.Session olga = register("olga");
    Http.Response whoami = olga.http().with("kos-caller-id", node.admin().userId()).with("kos-caller-role", "admin")
        .with("kos-caller-did", "did:kos:hakim:" + "0".repeat(32)).with("kos-caller-via", "klf").get("/api/probe/v1/whoami");
    assertThat(whoami.json()).isEqualTo(new JsonObject().put("user_id", olga.userId()).put("role", "editor"));
    assertError(anonymous.with("kos-caller-id", olga.userId()).with("kos-caller-role", "admin").get("/api/probe/v1/whoami"),
        401, "unauthorized");
  }

  private static Accounts.Session register(String username) {
    node.admin();
    return Accounts.register(anonymous, anonymous, username, null);
  }

  private static Http.Response login(JsonObject body) {
    return anonymous.postJson("/api/auth/v1/login", body);
  }

  private static Http.Response refresh(String token) {
    return anonymous.postJson("/api/auth/v1/refresh", new JsonObject().put("refresh_token", token));
  }

  static long countUsers(TestNode node) throws Exception {
    try (Connection c = node.jdbc(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM node.users")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static Http.Response assertError(Http.Response response, int status, String code) {
    assertThat(response.status()).as(response.toString()).isEqualTo(status);
    assertThat(response.header("Content-Type")).isEqualTo("application/json");
    assertThat(response.json().getString("error")).as(response.toString()).isEqualTo(code);
    assertThat(response.json().getString("message")).isNotBlank();
    return response;
  }

  static void assertField(Http.Response response, String field) {
    assertError(response, 422, "invalid_field");
    assertThat(response.json().getString("field")).isEqualTo(field);
  }
}
