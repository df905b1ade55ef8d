package io.kos.verticle;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

import java.net.ConnectException;

/** Database helpers shared by every verticle. */
public final class Db {

  private Db() {
  }

  /**
   * True when a failure means the database cannot be reached right now (refused, closed, shutting
   * down), as opposed to a bad statement: such failures become 503 with Retry-After, not 500.
   */
  public static boolean isUnavailable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof ClosedConnectionException) {
        return true;
      }
      if (t instanceof PgException pg && pg.getSqlState() != null) {
        String state = pg.getSqlState();
        // class 08: connection exception; 57P01..57P03: admin shutdown, crash shutdown, cannot connect now
        if (state.startsWith("08") || state.startsWith("57P")) {
          return true;
        }
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
