package io.kos.node;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The node's version, from {@code kos-version.properties} filtered by the build. */
public final class Version {

  public static final String VALUE = load();

  private Version() {
  }

  private static String load() {
    try (InputStream in = Version.class.getResourceAsStream("/kos-version.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("version", "dev");
    } catch (IOException e) {
      return "dev";
    }
  }
}
