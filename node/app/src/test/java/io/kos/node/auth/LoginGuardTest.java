package io.kos.node.auth;

import io.kos.node.testkit.Http;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.kos.node.auth.AuthTest.assertError;
import static io.kos.node.testkit.Accounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

/** The brute-force guard over HTTP: it triggers per account and per client address, and releases. */
class LoginGuardTest {

  @Test
  void repeatedFailuresForOneAccountGet429UntilTheWindowEnds() {
    try (TestNode node = TestNode.start(Map.of("verticles.deploy", "", "auth.login_max_failures", "3",
        "auth.login_lockout", "2s", "auth.login_address_max_failures", "1000"))) {
      node.user("target", "editor");
      Http http = node.http();
      for (int i = 0; i < 3; i++) {
        assertError(login(http, "target", "guess number " + i), 401, "invalid_credentials");
      }
      // locked: even the right password is not tried
      Http.Response locked = assertError(login(http, "target", PASSWORD), 429, "too_many_attempts");
      int retryAfter = Integer.parseInt(locked.header("Retry-After"));
      assertThat(retryAfter).isBetween(1, 2);
      assertThat(locked.json().getInteger("retry_after_seconds")).isEqualTo(retryAfter);
      // another account is not locked by it
      assertThat(login(http, "admin", PASSWORD).status()).isEqualTo(200);

      NodeProcess.sleep(retryAfter * 1000L + 200);
      assertThat(login(http, "target", PASSWORD).status()).isEqualTo(200);
      // a success clears the account's count
      assertError(login(http, "target", "one more guess"), 401, "invalid_credentials");
      assertThat(login(http, "target", PASSWORD).status()).isEqualTo(200);
    }
  }

  @Test
  void oneAddressSprayingManyAccountsGets429() {
    try (TestNode node = TestNode.start(Map.of("verticles.deploy", "", "auth.login_max_failures", "100",
        "auth.login_lockout", "2s", "auth.login_address_max_failures", "4"))) {
      node.admin();
      Http http = node.http();
      for (int i = 0; i < 4; i++) {
        assertError(login(http, "user" + i, PASSWORD), 401, "invalid_credentials");
      }
      Http.Response locked = assertError(login(http, "admin", PASSWORD), 429, "too_many_attempts");
      NodeProcess.sleep(Integer.parseInt(locked.header("Retry-After")) * 1000L + 200);
      assertThat(login(http, "admin", PASSWORD).status()).isEqualTo(200);
    }
  }

  private static Http.Response login(Http http, String username, String password) {
    return http.postJson("/api/auth/v1/login", new JsonObject().put("username", username).put("password", password));
  }
}
