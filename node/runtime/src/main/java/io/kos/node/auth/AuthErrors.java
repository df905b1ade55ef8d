package io.kos.node.auth;

import io.kos.verticle.ErrorCode;

import java.util.List;

/** The error codes of the node's accounts API ({@code /api/auth/v1}), beside the contract's common ones. */
public final class AuthErrors {

  static final ErrorCode SETUP_TOKEN_REQUIRED = new ErrorCode("setup_token_required", 403,
      "the node has no user yet and the registration carries no valid `setup_token`",
      "send the token the start banner printed (also in `<data_dir>/setup-token`)");
  static final ErrorCode REGISTRATION_CLOSED = new ErrorCode("registration_closed", 403,
      "registration is closed (`auth.open_registration: false`)", "ask an admin to register you");
  static final ErrorCode INVALID_CREDENTIALS = new ErrorCode("invalid_credentials", 401, "wrong username, email or password",
      "check them; repeated failures lead to 429 `too_many_attempts`");
  static final ErrorCode INVALID_REFRESH_TOKEN = new ErrorCode("invalid_refresh_token", 401, "the refresh token is unknown or revoked",
      "log in again");
  static final ErrorCode REFRESH_TOKEN_REUSED = new ErrorCode("refresh_token_reused", 401,
      "the refresh token was already used once: its whole session is revoked", "log in again (and find out who else had the token)");
  static final ErrorCode REFRESH_TOKEN_EXPIRED = new ErrorCode("refresh_token_expired", 401, "the refresh token has expired", "log in again");
  static final ErrorCode USERNAME_TAKEN = new ErrorCode("username_taken", 409, "another account has that username", "choose another");
  static final ErrorCode EMAIL_TAKEN = new ErrorCode("email_taken", 409, "another account has that email", "log in, or use another email");
  static final ErrorCode LAST_ADMIN = new ErrorCode("last_admin", 409,
      "the change would leave the node without an active admin", "make another user admin first");
  static final ErrorCode PEER_FROM_CONFIG = new ErrorCode("peer_from_config", 409,
      "the peer is listed in `klf.peers`; the API cannot change or delete it", "change the node's config");
  static final ErrorCode TOO_MANY_ATTEMPTS = new ErrorCode("too_many_attempts", 429,
      "too many failed logins for the account or from the address within `auth.login_lockout`",
      "wait `retry_after_seconds` (also in `Retry-After`)");

  /** The codes only the accounts API answers, in status order. */
  public static final List<ErrorCode> ALL = List.of(INVALID_CREDENTIALS, INVALID_REFRESH_TOKEN, REFRESH_TOKEN_REUSED, REFRESH_TOKEN_EXPIRED,
      SETUP_TOKEN_REQUIRED, REGISTRATION_CLOSED, USERNAME_TAKEN, EMAIL_TAKEN, LAST_ADMIN, PEER_FROM_CONFIG, TOO_MANY_ATTEMPTS);

  private AuthErrors() {
  }
}
