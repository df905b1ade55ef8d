package io.kos.hakim;

import java.net.URI;
import java.net.URISyntaxException;

/** A watched node's base URL: {@code http(s)://host:port}, where its {@code /klf/v1/*} documents are. */
final class Endpoints {

  private Endpoints() {
  }

  /** Why the text is not a node's base URL, or null. */
  static String problem(String endpoint) {
    if (endpoint.length() > 500) {
      return "must be at most 500 characters";
    }
    try {
      URI uri = new URI(endpoint);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        return "must be an http or https URL, not " + endpoint;
      }
      if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null
          || !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))) {
        return "must be a node's base URL (scheme, host and port only), not " + endpoint;
      }
      return null;
    } catch (URISyntaxException e) {
      return "must be a URL: " + e.getReason();
    }
  }

  static String base(String endpoint) {
    return endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
  }
}
