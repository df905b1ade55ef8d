package io.kos.tohunga;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.kos.verticle.ApiError;

import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * A pipeline's cron schedule (cron-utils): five fields as Unix cron has them ({@code 0 3 * * *}), or
 * six or seven as Quartz has them, seconds first ({@code 0/10 * * * * ?}), read in the pipeline's time zone.
 */
final class Schedules {

  private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final CronParser QUARTZ = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));

  private Schedules() {
  }

  /** The parsed expression; 422 naming {@code field} when it is not one. */
  static Cron parse(String expression, String field) {
    String trimmed = expression.trim();
    int fields = trimmed.split("\\s+").length;
    try {
      Cron cron = (fields == 5 ? UNIX : QUARTZ).parse(trimmed);
      return cron.validate();
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidField(field, "is not a cron expression (5 fields as Unix cron, or 6-7 as Quartz with seconds first): "
          + e.getMessage());
    }
  }

  static ZoneId zone(String name, String field) {
    try {
      return ZoneId.of(name);
    } catch (DateTimeException e) {
      throw ApiError.invalidField(field, "is not a time zone (an IANA name such as Europe/Berlin, or UTC)");
    }
  }

  /** The first time after {@code after} that the schedule names, or null when it names none (a date that never comes). */
  static OffsetDateTime next(String expression, String zone, OffsetDateTime after) {
    ZonedDateTime from = after.atZoneSameInstant(ZoneId.of(zone));
    return ExecutionTime.forCron(parse(expression, "schedule")).nextExecution(from)
        .map(next -> next.toOffsetDateTime().withOffsetSameInstant(ZoneOffset.UTC)).orElse(null);
  }
}
