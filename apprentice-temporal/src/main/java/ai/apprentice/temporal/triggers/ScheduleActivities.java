package ai.apprentice.temporal.triggers;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** What a schedule's workflow asks the servers: when next, and fire now. Times are epoch milliseconds; -1 means gone. */
@ActivityInterface
public interface ScheduleActivities {
    /** The next due time after {@code afterMillis}, or -1 when the trigger was removed or redefined. */
    @ActivityMethod(name = "ScheduleNextDue")
    long nextDue(String name, String definition, long afterMillis);

    /** Fires the schedule's run due at {@code dueMillis} (claimed once in the store); the outcome's name. */
    @ActivityMethod(name = "ScheduleFire")
    String fire(String name, String definition, long dueMillis);
}
