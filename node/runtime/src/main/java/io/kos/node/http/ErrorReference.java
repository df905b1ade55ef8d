package io.kos.node.http;

import io.kos.node.auth.AuthErrors;
import io.kos.node.klf.KlfErrors;
import io.kos.verticle.ErrorCode;
import io.kos.verticle.Errors;
import io.kos.verticle.VerticleModule;

import java.util.Collection;
import java.util.List;

/** The error-code reference of docs/errors.md, generated from the codes the code makes (checked by a test). */
public final class ErrorReference {

  private ErrorReference() {
  }

  /** One table for every route, one for the accounts API, one for KLF, one per verticle module that has codes of its own. */
  public static String markdown(Collection<VerticleModule> modules) {
    StringBuilder doc = new StringBuilder();
    section(doc, "Every route", Errors.COMMON);
    section(doc, "Accounts (`/api/auth/v1`)", AuthErrors.ALL);
    section(doc, "KLF messages (`POST /klf/v1/message`, `kos.node.<did>.klf`)", KlfErrors.ALL);
    section(doc, "Maintenance requests (`/api/node/v1/maintenance`, KLF `maintenance_requested`, `run_maintenance`)",
        io.kos.node.maintenance.MaintenanceModule.ERRORS);
    for (VerticleModule module : modules) {
      List<ErrorCode> own = module.errorCodes();
      if (!own.isEmpty()) {
        section(doc, "`" + module.name() + "` (`/api/" + module.name() + "/v1`)", own);
      }
    }
    return doc.toString();
  }

  private static void section(StringBuilder doc, String title, List<ErrorCode> codes) {
    doc.append("### ").append(title).append("\n\n").append(Errors.markdownTable(codes)).append('\n');
  }
}
