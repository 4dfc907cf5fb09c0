package ai.apprentice.channels.triggers;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;

/** Unix cron expressions (minute hour day-of-month month day-of-week), read with cron-utils, in a time zone. */
final class CronSchedule {
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private final ExecutionTime times;
    private final Cron cron;
    private final ZoneId zone;

    private CronSchedule(Cron cron, ZoneId zone) {
        this.cron = cron;
        this.times = ExecutionTime.forCron(cron);
        this.zone = zone;
    }

    /** @throws TriggerException 422 when the expression does not parse or never comes */
    static CronSchedule parse(String expression, ZoneId zone) {
        Cron cron;
        try {
            cron = PARSER.parse(expression.strip()).validate();
        } catch (IllegalArgumentException e) {
            throw TriggerException.invalid("cron '" + expression + "': " + e.getMessage()
                    + " (five fields: minute hour day-of-month month day-of-week, e.g. '0 9 * * 1-5')");
        }
        var schedule = new CronSchedule(cron, zone);
        if (schedule.next(Instant.now()).isEmpty()) throw TriggerException.invalid("cron '" + expression + "' never comes (e.g. 31 February)");
        return schedule;
    }

    static CronSchedule of(Trigger.Schedule s) {
        return parse(s.cron(), s.zone());
    }

    /** The latest time the schedule was due at or before {@code now}. */
    Optional<Instant> latestDue(Instant now) {
        // Executions fall on whole minutes; lastExecution is strictly before its argument, so ask about the minute itself first.
        var minute = now.atZone(zone).truncatedTo(ChronoUnit.MINUTES);
        if (times.isMatch(minute)) return Optional.of(minute.toInstant());
        return times.lastExecution(minute).map(t -> t.toInstant());
    }

    /** The next time it is due after {@code now}. */
    Optional<Instant> next(Instant now) {
        return times.nextExecution(now.atZone(zone)).map(t -> t.toInstant());
    }

    String describe() {
        return CronDescriptor.instance(Locale.UK).describe(cron);
    }
}
