package io.kos.verticle;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A name other nodes call in a KLF message, and the operation that serves it: a {@code task_request}
 * {@code task_name}, a {@code data_query} {@code query_name} or a {@code control_command}
 * {@code command_name} reaches {@code kos.<verticle>.<operation>}, the same handler as the HTTP route.
 * The message's {@code params} arrive as the request's body, and each of its string and number
 * members also as a path and query parameter, so a handler reads them the way it reads its route's.
 *
 * @param kind      which message type names it
 * @param name      the name in the payload: lowercase words joined by {@code _}
 * @param operation the verticle's operation behind it
 */
public record KlfOperation(Kind kind, String name, String operation) {

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");

  public enum Kind {
    TASK("task_request", "task_name"), QUERY("data_query", "query_name"), COMMAND("control_command", "command_name");

    private final String messageType;
    private final String nameField;

    Kind(String messageType, String nameField) {
      this.messageType = messageType;
      this.nameField = nameField;
    }

    /** The KLF message type that calls this kind. */
    public String messageType() {
      return messageType;
    }

    /** The payload member that holds the name. */
    public String nameField() {
      return nameField;
    }

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public KlfOperation {
    Objects.requireNonNull(kind, "kind");
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("a KLF name must be lowercase words joined by '_': " + name);
    }
    Addresses.requireOperation(operation);
  }

  public static KlfOperation task(String name, String operation) {
    return new KlfOperation(Kind.TASK, name, operation);
  }

  public static KlfOperation query(String name, String operation) {
    return new KlfOperation(Kind.QUERY, name, operation);
  }

  public static KlfOperation command(String name, String operation) {
    return new KlfOperation(Kind.COMMAND, name, operation);
  }
}
