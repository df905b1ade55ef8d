package io.kos.node.config;

import java.nio.file.Path;

/**
 * PEM files of one TLS endpoint.
 *
 * @param ca the CA whose certificates the peer must present (mutual TLS), or null
 */
public record TlsFiles(Path cert, Path key, Path ca) {
}
